package grapple.bot.provisioning;

import static grapple.bot.LocalMode.ROOM_PATH;
import static grapple.bot.LocalMode.SECRET;
import static grapple.bot.LocalMode.WEBHOOK;

import grapple.bot.Grapple;
import grapple.bot.LocalMode;
import grapple.bot.ScriptedConsole;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Grapple in local mode, in-process, with its provisioning API on a real port; an OkHttp client for
 * it that keeps every answer (so they can be checked against openapi.json afterwards).
 */
final class LocalGrapple implements AutoCloseable {
  static final String AS_ADMIN = "?userId=%40console%3Alocalhost";
  static final String BOT = "@grapple:localhost";

  /** A key with connections:write alone: every read is refused it. */
  static final String WRITE_ONLY = "write-only-token-0123456789";

  /** Extra config in which the console user may use commands but not manage connections. */
  static final String COMMANDS_ONLY =
      """
      permissions:
        - actor: "@console:localhost"
          services: [{service: "*", level: commands}]
      """;

  static final MediaType JSON = MediaType.get("application/json");

  /** The write-only token, beside LocalMode's. */
  private static final String MORE_TOKENS =
      """
          - {name: write-only, token: "write-only-token-0123456789", scopes: ["connections:write"]}
      """;

  final ScriptedConsole console;
  private final OkHttpClient http = new OkHttpClient();
  private final List<Answer> answers = new ArrayList<>();
  private final Grapple app;

  private LocalGrapple(Grapple app, ScriptedConsole console) {
    this.app = app;
    this.console = console;
  }

  /** Starts with the test config plus {@code extraYaml} (top-level sections, e.g. permissions). */
  static LocalGrapple start(Path dir, String extraYaml) throws Exception {
    ScriptedConsole console = new ScriptedConsole();
    return new LocalGrapple(LocalMode.start(dir, console, MORE_TOKENS, extraYaml), console);
  }

  static LocalGrapple start(Path dir) throws Exception {
    return start(dir, "");
  }

  static String bearer(String token) {
    return "Bearer " + token;
  }

  static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** {@code /v1/<console room>/connections<suffix>}. */
  static String connections(String suffix) {
    return "/v1/" + ROOM_PATH + "/connections" + suffix;
  }

  Answer get(String path) {
    return call("GET", path, bearer(SECRET), null);
  }

  Answer put(String path, String body) {
    return call("PUT", path, bearer(SECRET), body);
  }

  Answer patch(String path, String body) {
    return call("PATCH", path, bearer(SECRET), body);
  }

  Answer delete(String path) {
    return call("DELETE", path, bearer(SECRET), null);
  }

  /** Creates a webhook with the plain secret, as the console user. */
  Answer createHook(String name) {
    Answer a = put(connections("/" + WEBHOOK + AS_ADMIN), "{\"name\":\"" + name + "\"}");
    if (a.status() != 200)
      throw new IllegalStateException("could not create hook " + name + ": " + a);
    return a;
  }

  /** Sends one request; {@code authorization} and {@code body} may be null. */
  Answer call(String method, String path, String authorization, String body) {
    return send(method, path, authorization, body == null ? null : RequestBody.create(body, JSON));
  }

  /** Sends one request without a body and with {@code headers}, as a browser's script would. */
  Answer callWith(String method, String path, java.util.Map<String, String> headers) {
    Request.Builder request = new Request.Builder().url(url(path)).method(method, null);
    headers.forEach(request::header);
    try (Response r = http.newCall(request.build()).execute()) {
      return new Answer(method, path, r.code(), r.headers(), r.body().string());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path, e);
    }
  }

  /** Sends one request with a body OkHttp writes as it likes (e.g. chunked). */
  Answer send(String method, String path, String authorization, RequestBody body) {
    Request.Builder request = new Request.Builder().url(url(path)).method(method, body);
    if (authorization != null) request.header("Authorization", authorization);
    try (Response r = http.newCall(request.build()).execute()) {
      Answer answer = new Answer(method, path, r.code(), r.headers(), r.body().string());
      synchronized (answers) {
        answers.add(answer);
      }
      return answer;
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path, e);
    }
  }

  /** POSTs to a webhook URL that Grapple made (its port is the configured 0, so it is replaced). */
  int postToHook(String url, String json) {
    String real = url.replaceFirst(":\\d+/", ":" + app.webhookPort() + "/");
    Request request = new Request.Builder().url(real).post(RequestBody.create(json, JSON)).build();
    try (Response r = http.newCall(request).execute()) {
      return r.code();
    } catch (IOException e) {
      throw new UncheckedIOException("POST " + url, e);
    }
  }

  /**
   * GETs {@code path} on the webhook listener (e.g. an OAuth callback); not kept among {@link
   * #answers()}.
   */
  Answer getOnWebhooks(String path) {
    Request request =
        new Request.Builder().url("http://127.0.0.1:" + app.webhookPort() + path).get().build();
    try (Response r = http.newCall(request).execute()) {
      return new Answer("GET", path, r.code(), r.headers(), r.body().string());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path, e);
    }
  }

  String url(String path) {
    return "http://127.0.0.1:" + app.provisioningPort() + path;
  }

  List<Answer> answers() {
    synchronized (answers) {
      return List.copyOf(answers);
    }
  }

  @Override
  public void close() {
    app.close();
  }
}
