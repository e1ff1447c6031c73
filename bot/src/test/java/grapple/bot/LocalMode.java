package grapple.bot;

import grapple.bot.config.ConfigLoader;
import java.nio.file.Path;
import java.util.Map;

/**
 * Grapple in local mode as the provisioning and RPC tests start it, in-process: the console's room
 * and user, every listener on a free port, the provisioning API's secret and its tokens.
 */
public final class LocalMode {
  public static final String ROOM = "!console:localhost";
  public static final String ROOM_PATH = "%21console%3Alocalhost";
  public static final String ADMIN = "@console:localhost";
  public static final String WEBHOOK = "uk.half-shot.matrix-hookshot.generic.hook";
  public static final String SECRET = "plain-secret-0123456789";
  public static final String READER = "reader-token-0123456789";
  public static final String WRITER = "writer-token-0123456789";

  /** An admin token, but of another room only. */
  public static final String ELSEWHERE = "elsewhere-token-0123456789";

  private static final String CONFIG =
      """
      database: {path: "%s"}
      listeners: {webhooks: {port: 0}, provisioning: {port: 0}, metrics: {port: 0}}
      provisioning:
        secret: "plain-secret-0123456789"
        tokens:
          - {name: reader, token: "reader-token-0123456789", scopes: ["connections:read"]}
          - {name: writer, token: "writer-token-0123456789", scopes: ["connections:write", "connections:read"]}
          - {name: elsewhere, token: "elsewhere-token-0123456789", scopes: ["admin"], rooms: ["!other:localhost"]}
      %s
      %s
      """;

  private LocalMode() {}

  /**
   * Starts Grapple on {@code dir} with the console {@code console}; {@code moreTokens} are further
   * items of {@code provisioning.tokens} (indented as such), {@code extraYaml} top-level sections.
   */
  public static Grapple start(
      Path dir, ScriptedConsole console, String moreTokens, String extraYaml) throws Exception {
    String yaml = CONFIG.formatted(dir.resolve("grapple.db"), moreTokens, extraYaml);
    return Grapple.start(
        ConfigLoader.parse(yaml, dir, Map.of(), Grapple.configSections()), console);
  }
}
