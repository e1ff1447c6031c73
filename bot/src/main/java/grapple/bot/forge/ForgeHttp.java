package grapple.bot.forge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import java.io.IOException;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * The wire every forge client calls through: one OkHttp client (a whole-call timeout, redirects not
 * followed), JSON request bodies, answers read only up to {@link AnswerBody}'s cap, and the same
 * ForgeException when the forge cannot be reached or answers with no JSON. How a forge says what
 * went wrong stays with its client.
 */
public final class ForgeHttp {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  /** Reads the answer to a call while it is open. */
  public interface Reader<T> {
    T read(Response response) throws IOException, ForgeException;
  }

  /** The whole-call timeout of a client made without one. */
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);

  private final OkHttpClient http;
  private final String forge;

  /** {@code forge}: its name in error messages ({@code "GitHub"}, {@code "JIRA"}). */
  public ForgeHttp(String forge) {
    this(forge, CALL_TIMEOUT);
  }

  /** A client whose every call, reading the answer included, gives up after {@code callTimeout}. */
  public ForgeHttp(String forge, Duration callTimeout) {
    this.forge = forge;
    this.http = new OkHttpClient.Builder().callTimeout(callTimeout).followRedirects(false).build();
  }

  /** {@code body} as a request body ({@code application/json; charset=utf-8}). */
  public static RequestBody json(ObjectNode body) {
    return RequestBody.create(Json.write(body), JSON);
  }

  /**
   * {@code reader}'s reading of the answer to {@code request}; ForgeException 0 ({@code "<forge>
   * could not be reached: <exception>"}) when the call or the reading fails. Before a {@code POST},
   * the command being answered on this thread is marked as acting ({@link CommandEffects}).
   */
  public <T> T call(Request request, Reader<T> reader) throws ForgeException {
    // A POST makes something (an issue, a comment, a hook): not to be made twice after a crash.
    if (request.method().equals("POST")) CommandEffects.beginning();
    try (Response response = http.newCall(request).execute()) {
      return reader.read(response);
    } catch (IOException e) {
      throw new ForgeException(0, forge + " could not be reached: " + e.getClass().getSimpleName());
    }
  }

  /** The text of the answer, capped as {@link AnswerBody#text} says. */
  public String text(Response response) throws IOException, ForgeException {
    return AnswerBody.text(response.body(), forge);
  }

  /**
   * {@code text} read (untrusted) as JSON; a ForgeException ({@code "<forge> answered with no JSON
   * (HTTP <status>)"}, with the status of a failed answer, else 502) when it is not JSON.
   */
  public JsonNode parse(String text, int status) throws ForgeException {
    try {
      return Json.UNTRUSTED.readTree(text);
    } catch (IOException e) {
      throw new ForgeException(
          status >= 400 ? status : 502, forge + " answered with no JSON (HTTP " + status + ")");
    }
  }

  /** {@code text} read (untrusted) as JSON; null when it is blank or not JSON (an error page). */
  public static @Nullable JsonNode parseOrNull(String text) {
    if (text.isBlank()) return null;
    try {
      return Json.UNTRUSTED.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }
}
