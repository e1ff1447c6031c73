package grapple.bot.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Grapple;
import grapple.bot.LocalMode;
import grapple.bot.ScriptedConsole;
import grapple.state.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Grapple in local mode, in-process, with the provisioning listener (and so {@code /_admin/api}) on
 * a real port, and an OkHttp client for it.
 */
final class LocalRpc implements AutoCloseable {
  static final String LINKER = "linker-token-0123456789";
  static final String LINK_READER = "links-reader-token-0123456789";

  /** The methods of {@code /_admin/api} that are not about identity links. */
  static final List<String> CORE_METHODS =
      List.of(
          "get_health",
          "get_connection_types",
          "get_rooms",
          "get_room",
          "get_connections",
          "get_connection",
          "create_connection",
          "update_connection",
          "delete_connection",
          "get_outbox",
          "retry_failed",
          "get_feeds",
          "get_methods");

  static final MediaType JSON = MediaType.get("application/json");

  /** The link tokens, beside LocalMode's. */
  private static final String MORE_TOKENS =
      """
          - {name: linker, token: "linker-token-0123456789", scopes: ["link", "links"]}
          - {name: links-reader, token: "links-reader-token-0123456789", scopes: ["links"]}
      """;

  final ScriptedConsole console;
  final Grapple app;
  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(10, TimeUnit.SECONDS).build();

  private LocalRpc(Grapple app, ScriptedConsole console) {
    this.app = app;
    this.console = console;
  }

  static LocalRpc start(Path dir, String extraYaml) throws Exception {
    ScriptedConsole console = new ScriptedConsole();
    return new LocalRpc(LocalMode.start(dir, console, MORE_TOKENS, extraYaml), console);
  }

  static LocalRpc start(Path dir) throws Exception {
    return start(dir, "");
  }

  String url() {
    return "http://127.0.0.1:" + app.provisioningPort();
  }

  /** A JSON-RPC call with id 1; {@code args} as JSON text. */
  JsonNode rpc(String key, String method, String args) {
    ObjectNode request = Json.object().put("id", 1).put("api_key", key).put("method", method);
    request.set("args", Json.readObject(args));
    return post(Json.write(request)).json();
  }

  /** POSTs {@code body} as it is to {@code /_admin/api}. */
  Answer post(String body) {
    return send("POST", JsonRpc.PATH, null, body);
  }

  /**
   * One request on the provisioning listener; {@code authorization} and {@code body} may be null.
   */
  Answer send(String method, String path, String authorization, String body) {
    Request.Builder request =
        new Request.Builder()
            .url(url() + path)
            .method(method, body == null ? null : RequestBody.create(body, JSON));
    if (authorization != null) request.header("Authorization", authorization);
    try (Response r = http.newCall(request.build()).execute()) {
      return new Answer(r.code(), r.header("Location"), r.body().string());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path, e);
    }
  }

  /** What the listener answered. */
  record Answer(int status, String location, String body) {
    JsonNode json() {
      try {
        return Json.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(body + " is not JSON", e);
      }
    }
  }

  @Override
  public void close() {
    app.close();
  }
}
