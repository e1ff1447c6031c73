package grapple.bot.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import grapple.bot.console.ConsoleGateway;
import grapple.state.Json;
import grapple.state.Texts;
import java.io.IOException;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;
import org.jspecify.annotations.Nullable;

/**
 * One call of the API client ({@link ApiCli}) over HTTP: sent, and its answer taken only when it is
 * Grapple's JSON-RPC answer to that call; anything else is said as what it is, quoted so that the
 * server cannot flood or drive the operator's terminal.
 */
final class ApiCall {
  private static final MediaType JSON = MediaType.get("application/json");

  /**
   * The most of an answer the client reads: far more than any of Grapple's, and a server sending
   * gigabytes (broken, or not Grapple) does not fill the client's memory.
   */
  static final long MAX_ANSWER_BYTES = 16L * 1024 * 1024;

  /** How much of another server's error stderr quotes. */
  static final int MAX_QUOTED_CHARS = 500;

  private ApiCall() {}

  /**
   * An answer that is not Grapple's answer to the call (another listener's error, a redirect, an
   * answer too large or to another call): the host was reached, so "cannot reach" would send the
   * operator after the network.
   */
  static final class NotAnAnswer extends IOException {
    private static final long serialVersionUID = 1L;

    NotAnAnswer(String message) {
      super(message);
    }
  }

  /**
   * Sends one call; throws when Grapple cannot be reached or answers something else than a JSON-RPC
   * answer (HTTP 200, {@code id}, {@code result}, {@code error}): another listener's 404 is not
   * Grapple's word on the call, which "grapple said:" would make it. A redirect is not followed: a
   * 307 or 308 would carry the body, the key in it, to whatever address it names (another host, or
   * plain http), and a 301 or 302 would turn the call into a GET that Grapple answers with a
   * puzzling 405. The error names where it points, to give as --apihost.
   */
  static JsonNode post(ApiConfig config, ObjectNode request, Duration timeout) throws IOException {
    OkHttpClient http =
        new OkHttpClient.Builder()
            .callTimeout(timeout)
            .followRedirects(false)
            .followSslRedirects(false)
            .build();
    Request post =
        new Request.Builder()
            .url(config.endpoint())
            .post(RequestBody.create(Json.write(request), JSON))
            .build();
    try (Response response = http.newCall(post).execute()) {
      if (response.isRedirect()) {
        throw new NotAnAnswer(
            "HTTP "
                + response.code()
                + " redirect to "
                + shown(response.header("Location"))
                + ", not followed: the key would go along; if that is Grapple, give it as"
                + " --apihost");
      }
      byte[] body = body(response);
      JsonNode answer = null;
      try {
        answer = Json.UNTRUSTED.readTree(body);
      } catch (IOException e) {
        // Not the API's answer: reported below with the status.
      }
      if (response.code() == 200 && answer != null && isAnswer(answer)) {
        requireSameId(request, answer);
        return answer;
      }
      if (response.code() == 200 && answer != null && answer.isArray())
        throw new NotAnAnswer(
            "HTTP 200 with a JSON array (a batch of answers?), not the one answer to this call;"
                + " is this Grapple's provisioning listener?");
      // Another listener's error ({"ok": false, "error": "Not found"} on the webhook port) is not
      // Grapple's answer to the call: what it says is quoted (escaped), beside the status.
      JsonNode said = answer == null ? null : answer.get("error");
      throw new NotAnAnswer(
          "HTTP "
              + response.code()
              + " without a JSON-RPC answer"
              + (said != null && said.isTextual() ? " (it said " + quoted(said.asText()) + ")" : "")
              + (response.code() >= 500
                  ? "; the server failed or is overloaded (Grapple's listeners answer 503 when"
                      + " busy): try again later"
                  : "; is this Grapple's provisioning listener?"));
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  /**
   * Another server's error as stderr quotes it: JSON-escaped and, when longer than {@value
   * #MAX_QUOTED_CHARS} characters, cut there and marked so ({@code "…"... (cut, 20000 characters in
   * all)}), so a broken or hostile server cannot flood the terminal (its answer may be up to {@link
   * #MAX_ANSWER_BYTES} long). The mark is ASCII, as a terminal may not show an ellipsis. What JSON
   * leaves as written and a terminal obeys is escaped when printed (by {@link ApiCli}).
   */
  static String quoted(String said) {
    if (said.length() <= MAX_QUOTED_CHARS) return Json.write(TextNode.valueOf(said));
    return Json.write(TextNode.valueOf(Texts.prefix(said, MAX_QUOTED_CHARS)))
        + "... (cut, "
        + said.length()
        + " characters in all)";
  }

  /**
   * Where a redirect points, as stderr shows it: as written when it is a short line of visible
   * ASCII, else {@link #quoted} (escaped, cut), so the server cannot write terminal control
   * sequences (ESC) or a flood through it.
   */
  private static String shown(@Nullable String location) {
    if (location == null) return "nowhere (no Location)";
    boolean plain = location.length() <= MAX_QUOTED_CHARS;
    for (int i = 0; plain && i < location.length(); i++)
      plain = location.charAt(i) > ' ' && location.charAt(i) < 0x7f;
    return plain ? location : quoted(location);
  }

  /**
   * Refuses the answer to another call: Grapple echoes the call's id, so an answer naming another
   * is not its word on this call (a proxy mixing answers up, or not Grapple at all). An error with
   * the id null is Grapple's refusal of a request it could not read (over its size limit), whose id
   * it could not know: its word on this call, not another's.
   */
  private static void requireSameId(ObjectNode request, JsonNode answer) throws IOException {
    JsonNode id = answer.get("id");
    if (id.equals(request.get("id"))) return;
    if (id.isNull() && answer.get("error").isTextual()) return;
    // Measured as printed: JSON leaves 8-bit controls and direction overrides as written.
    String shown = ConsoleGateway.visible(Json.write(id));
    throw new NotAnAnswer(
        "HTTP 200 with the answer to another call: its id is "
            + (shown.length() <= 40 ? shown : "another")
            + ", this call's is "
            + Json.write(request.get("id"))
            + "; is this Grapple's provisioning listener?");
  }

  /**
   * The answer's body; throws when it is longer than {@link #MAX_ANSWER_BYTES}, having read no more
   * than that.
   */
  private static byte[] body(Response response) throws IOException {
    BufferedSource source = response.body().source();
    if (response.body().contentLength() > MAX_ANSWER_BYTES
        || source.request(MAX_ANSWER_BYTES + 1)) {
      throw new NotAnAnswer(
          "HTTP "
              + response.code()
              + " with an answer larger than "
              + MAX_ANSWER_BYTES / (1024 * 1024)
              + " MiB, the most this client reads; not read further");
    }
    return source.getBuffer().readByteArray();
  }

  /**
   * The JSON-RPC answer's shape (CONTRACT §14): an object with {@code id}, {@code result} and
   * {@code error}, which the API always answers with HTTP 200.
   */
  private static boolean isAnswer(JsonNode answer) {
    return answer.isObject() && answer.has("id") && answer.has("result") && answer.has("error");
  }
}
