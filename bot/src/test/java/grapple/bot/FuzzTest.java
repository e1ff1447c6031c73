package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.config.ConfigLoader;
import grapple.bot.config.TestConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded, seeded fuzz of the three doors a stranger can knock on: webhook bodies, command lines
 * and provisioning API calls, against Grapple in local mode over real sockets. Every request must
 * be answered, with no 5xx but the documented 503; no command may fail inside; and afterwards every
 * thread Grapple needs is alive and a plain webhook and command still work. {@code
 * -Dgrapple.fuzz.cases=N} (default 150 per door) and {@code -Dgrapple.fuzz.seed=S} widen or replay
 * a run; a failure names the seed and the input.
 */
class FuzzTest {
  private static final int CASES = Integer.getInteger("grapple.fuzz.cases", 150);
  private static final long SEED = Long.getLong("grapple.fuzz.seed", 20261202L);
  private static final String SECRET = "fuzz-secret-0123456789";
  private static final String ROOM_PATH = "%21console%3Alocalhost";
  private static final Pattern HOOK_ID = Pattern.compile("/webhook/([A-Za-z0-9_-]+)");
  private static final int READ_TIMEOUT_MILLIS = 30_000;

  @TempDir Path dir;
  private ScriptedConsole console;
  private Grapple app;
  private String hookId;
  private final Random random = new Random(SEED);

  @BeforeEach
  void start() throws Exception {
    console = new ScriptedConsole();
    String yaml =
        TestConfig.local(dir, SECRET, "generic: {enableHttpGet: true}\nlogging: {level: error}");
    app =
        Grapple.start(
            ConfigLoader.parse(yaml, dir, Map.of(), grapple.bot.Grapple.configSections()), console);
    console.type("!grapple webhook fuzz");
    Matcher m = HOOK_ID.matcher(console.awaitPrinted("/webhook/"));
    assertThat(m.find()).isTrue();
    hookId = m.group(1);
  }

  @AfterEach
  void stop() {
    app.close();
  }

  @Test
  void noInputStopsStarvesOrCrashesTheBot() throws Exception {
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < CASES; i++) {
      check(problems, "webhook", webhookRequest());
      check(problems, "api", apiRequest());
      console.type(commandLine());
    }

    console.type("!grapple list");
    List<String> failed = failedCommandsUntil("Connections in this room");
    assertThat(problems).as("seed %d", SEED).isEmpty();
    assertThat(failed).as("commands that failed inside (seed %d)", SEED).isEmpty();
    assertThat(raw(app.webhookPort(), "GET /live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 200");
    assertThat(
            raw(
                app.webhookPort(),
                post("/webhook/" + hookId, "application/json", "{\"text\":\"still here\"}")))
        .startsWith("HTTP/1.1 202");
    console.awaitPrinted("still here");
  }

  /** Sends one request and records what is wrong with its answer, if anything. */
  private void check(List<String> problems, String door, Request request) {
    String answer;
    try {
      answer =
          raw(door.equals("api") ? app.provisioningPort() : app.webhookPort(), request.bytes());
    } catch (IOException e) {
      problems.add(door + ": no answer (" + e + ") to " + request.describe());
      return;
    }
    if (answer.isEmpty()) {
      problems.add(door + ": the connection closed without an answer to " + request.describe());
      return;
    }
    int status = Integer.parseInt(answer.substring(9, 12));
    if (status >= 500 && status != 503)
      problems.add(door + ": " + status + " to " + request.describe() + ": " + answerBody(answer));
  }

  /** What the console printed about commands that failed inside, until {@code last} is printed. */
  private List<String> failedCommandsUntil(String last) throws InterruptedException {
    List<String> failed = new ArrayList<>();
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      String printed = console.nextPrinted(500);
      if (printed == null) continue;
      if (printed.contains(last)) return failed;
      if (printed.contains(" failed: "))
        failed.add(printed.length() > 300 ? printed.substring(0, 300) : printed);
    }
    throw new AssertionError(
        "the console never printed '" + last + "': its thread is stuck or dead");
  }

  // ---- generators

  /** A request and a short description of it for failure messages. */
  private record Request(byte[] bytes, String describe) {}

  private Request webhookRequest() {
    String path =
        switch (random.nextInt(10)) {
          case 0 -> "/webhook/" + randomWord(20);
          case 1 -> "/webhook//" + hookId;
          case 2 -> "/webhook/" + hookId + "%zz";
          case 3 -> "/webhook/" + hookId + "?" + randomQuery();
          default -> "/webhook/" + hookId;
        };
    String method = pick("POST", "POST", "POST", "PUT", "GET", "DELETE", "PATCH");
    String type =
        pick(
            "application/json",
            "application/json",
            "text/plain",
            "application/xml",
            "text/xml",
            "application/x-www-form-urlencoded",
            "application/vnd.fuzz+json",
            "image/png",
            "",
            "text/plain; charset=bogus",
            "application/json; charset=utf-16");
    byte[] body = body(type);
    return new Request(
        request(method, path, type, body),
        method + " " + path + " " + type + " " + body.length + " bytes: " + preview(body));
  }

  private Request apiRequest() {
    String id = random.nextBoolean() ? randomWord(8) : "%zz";
    String path =
        switch (random.nextInt(8)) {
          case 0 -> "/v1/health";
          case 1 -> "/v1/connectiontypes";
          case 2 -> "/v1/" + ROOM_PATH + "/connections/" + id + "?userId=%40console%3Alocalhost";
          case 3 -> "/v1/" + randomWord(10) + "/connections?userId=" + randomQueryValue();
          case 4 -> "/v1/github/repositories?userId=%40console%3Alocalhost";
          default ->
              "/v1/"
                  + ROOM_PATH
                  + "/connections/uk.half-shot.matrix-hookshot.generic.hook"
                  + "?userId=%40console%3Alocalhost";
        };
    String method = pick("GET", "PUT", "PUT", "PATCH", "DELETE", "POST");
    byte[] body =
        method.equals("GET") || method.equals("DELETE") ? new byte[0] : body("application/json");
    String auth = random.nextInt(10) == 0 ? "Bearer wrong" : "Bearer " + SECRET;
    return new Request(
        request(method, path, "application/json", body, "Authorization: " + auth),
        method + " " + path + " " + body.length + " bytes: " + preview(body));
  }

  private String commandLine() {
    String prefix = pick("!grapple ", "!hookshot ", "!GRAPPLE ", "!grapple", "hello ");
    String command =
        switch (random.nextInt(9)) {
          case 0 -> "webhook " + argument() + " " + duration();
          case 1 -> "webhook " + argument();
          case 2 -> "webhook remove " + argument();
          case 3 -> "feed " + argument() + " " + argument() + " " + argument();
          case 4 -> "feed remove " + argument();
          case 5 -> "list " + argument();
          case 6 -> "help " + argument();
          case 7 -> "feed list " + argument();
          default -> argument() + " " + argument();
        };
    return (prefix + command).replace('\n', ' ');
  }

  /** One word for a command: valid, quoted, unbalanced, or hostile text of up to 40 KB. */
  private String argument() {
    return switch (random.nextInt(6)) {
      case 0 -> randomWord(1 + random.nextInt(10));
      case 1 -> "\"" + hostileText(random.nextInt(60)).replace("\"", "") + "\"";
      case 2 ->
          pick(
              "x`",
              "`",
              "\"",
              "'",
              "[a](javascript:b)",
              "[a](https://x)",
              "http://127.0.0.1/feed",
              "\\");
      case 3 -> hostileText(random.nextInt(3) == 0 ? 40_000 : 40).replace(" ", "");
      default -> pick("json", "yaml", "ci", "list", "remove", "generic", "feeds");
    };
  }

  private String duration() {
    return switch (random.nextInt(4)) {
      case 0 -> "1s".repeat(1 + random.nextInt(20_000));
      case 1 -> pick("30d", "12h", "1d12h", "0h", "999999999w", "1.5h", "-1d");
      case 2 -> randomWord(1 + random.nextInt(40));
      default -> String.valueOf(random.nextLong()) + "d";
    };
  }

  private byte[] body(String type) {
    String text =
        switch (random.nextInt(12)) {
          case 0 -> "[".repeat(random.nextInt(6_000)) + "]".repeat(random.nextInt(6_000));
          case 1 -> "<a>".repeat(random.nextInt(6_000)) + "</a>".repeat(random.nextInt(6_000));
          case 2 -> "{\"n\":" + "9".repeat(random.nextInt(2_000)) + "}";
          case 3 -> "{\"text\":\"" + hostileText(random.nextInt(300_000)) + "\"}";
          case 4 -> hostileText(random.nextInt(300_000));
          case 5 ->
              "{\"text\":\"x\",\"html\":\""
                  + "<a href=\\\"javascript:x\\\">".repeat(random.nextInt(2_000))
                  + "\"}";
          case 6 ->
              "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>";
          case 7 -> randomJson(random.nextInt(150));
          case 8 ->
              "{\"name\":\""
                  + randomWord(random.nextInt(80))
                  + "\",\"waitForComplete\":"
                  + pick("true", "1", "\"x\"")
                  + ",\"expirationDate\":\""
                  + randomWord(10)
                  + "\"}";
          case 9 -> randomWord(random.nextInt(200)) + "=" + "%zz" + "&a=" + randomWord(5);
          case 10 -> new String(randomBytes(random.nextInt(5_000)), StandardCharsets.ISO_8859_1);
          default -> "{\"text\":\"hello\",\"username\":\"" + hostileText(30) + "\"}";
        };
    return text.getBytes(
        type.contains("utf-16") ? StandardCharsets.UTF_16 : StandardCharsets.UTF_8);
  }

  /**
   * Text made of what renderers and parsers found hard: markup openers, backticks, escapes, odd
   * Unicode.
   */
  private String hostileText(int length) {
    String[] units = {
      "\u2039",
      "<",
      "[",
      "](",
      "*a",
      "_",
      "`",
      "\\\\",
      "&#",
      "![",
      "> ",
      "- ",
      "\\n",
      "\\u0000",
      "%",
      "\\\"",
      "<a ",
      "<!--",
      "{{",
      "\ud83d\ude00",
      "é"
    };
    String unit = units[random.nextInt(units.length)];
    StringBuilder out = new StringBuilder(length);
    while (out.length() < length)
      out.append(random.nextInt(5) == 0 ? units[random.nextInt(units.length)] : unit);
    return out.toString();
  }

  private String randomJson(int depth) {
    if (depth <= 0) return pick("1", "\"s\"", "null", "true", "-0.5e300", "\"\\ud800\"");
    return random.nextBoolean()
        ? "[" + randomJson(depth - 1) + "]"
        : "{\"k\":" + randomJson(depth - 1) + "}";
  }

  private String randomQuery() {
    return randomWord(5) + "=" + randomQueryValue();
  }

  private String randomQueryValue() {
    return pick("%zz", "%", "a%2", "%40console%3Alocalhost", randomWord(6), "%F0%28%8C%BC");
  }

  private String randomWord(int length) {
    String alphabet =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!$'()*+,;=:@";
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) out.append(alphabet.charAt(random.nextInt(alphabet.length())));
    return out.toString();
  }

  private byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  private String pick(String... choices) {
    return choices[random.nextInt(choices.length)];
  }

  // ---- raw HTTP

  private static byte[] request(
      String method, String path, String type, byte[] body, String... headers) {
    StringBuilder head =
        new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n");
    if (!type.isEmpty()) head.append("Content-Type: ").append(type).append("\r\n");
    for (String h : headers) head.append(h).append("\r\n");
    head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
    byte[] start = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = new byte[start.length + body.length];
    System.arraycopy(start, 0, out, 0, start.length);
    System.arraycopy(body, 0, out, start.length, body.length);
    return out;
  }

  private static byte[] post(String path, String type, String body) {
    return request("POST", path, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static String raw(int port, String request) throws IOException {
    return raw(port, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Sends {@code request} on a new connection and reads the answer until the server closes it. */
  private static String raw(int port, byte[] request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (IOException e) {
        // The server may answer (413, 503) and close before the whole body is sent; read what it
        // said.
      }
      InputStream in = socket.getInputStream();
      try {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (SocketTimeoutException e) {
        throw new IOException("no answer within " + READ_TIMEOUT_MILLIS + " ms", e);
      }
    }
  }

  private static String answerBody(String answer) {
    int start = answer.indexOf("\r\n\r\n");
    String body = start < 0 ? answer : answer.substring(start + 4);
    return body.length() > 300 ? body.substring(0, 300) + "…" : body;
  }

  private static String preview(byte[] body) {
    String text = new String(body, 0, Math.min(body.length, 80), StandardCharsets.ISO_8859_1);
    return text.replaceAll("[\\r\\n]", " ");
  }
}
