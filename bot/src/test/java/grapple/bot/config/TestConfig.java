package grapple.bot.config;

import grapple.bot.Grapple;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Config text parsed as Grapple parses it, for the config and settings tests of each service. */
public final class TestConfig {
  private TestConfig() {}

  public static Config parse(String yaml) {
    return parse(yaml, Map.of());
  }

  public static Config parse(String yaml, Map<String, String> env) {
    return ConfigLoader.parse(yaml, Path.of("."), env, Grapple.configSections());
  }

  /** The problems that {@code yaml} is refused with; fails if it is accepted. */
  public static List<String> problems(String yaml) {
    return problems(yaml, Map.of());
  }

  public static List<String> problems(String yaml, Map<String, String> env) {
    return error(yaml, env).problems();
  }

  /** What parsing {@code yaml} throws; fails if it is accepted. */
  public static ConfigException error(String yaml, Map<String, String> env) {
    try {
      Config config = parse(yaml, env);
      throw new AssertionError("expected config problems, got " + config);
    } catch (ConfigException e) {
      return e;
    }
  }

  /**
   * Config text for Grapple in local mode: its database in {@code dir}, every listener on a free
   * port, the provisioning {@code secret}, then {@code extraYaml} (top-level sections).
   */
  public static String local(Path dir, String secret, String extraYaml) {
    return """
        database: {path: "%s"}
        listeners: {webhooks: {port: 0}, provisioning: {port: 0}, metrics: {port: 0}}
        provisioning: {secret: "%s"}
        %s
        """
        .formatted(dir.resolve("grapple.db"), secret, extraYaml);
  }

  /**
   * Config text for Grapple on the homeserver at {@code homeserverUrl} (domain {@code test}),
   * signing in as {@code @bot:test} with {@code accessToken}: its database at {@code database},
   * every listener on a free port, then {@code extraYaml} (top-level sections).
   */
  public static String matrix(
      String homeserverUrl, String accessToken, Path database, String extraYaml) {
    return """
        homeserver: {url: "%s", domain: test}
        bot: {userId: "@bot:test", accessToken: "%s"}
        database: {path: "%s"}
        listeners: {webhooks: {port: 0}, provisioning: {port: 0}, metrics: {port: 0}}
        %s
        """
        .formatted(homeserverUrl, accessToken, database, extraYaml);
  }

  /** {@code config.sample.yml}, found in the working directory or above it. */
  public static Path sampleConfig() {
    for (Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        dir != null;
        dir = dir.getParent()) {
      Path sample = dir.resolve("config.sample.yml");
      if (Files.isRegularFile(sample)) return sample;
    }
    throw new AssertionError("config.sample.yml not found above " + System.getProperty("user.dir"));
  }
}
