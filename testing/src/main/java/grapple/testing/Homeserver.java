package grapple.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The Synapse that {@code testing/synapse/synapse.sh} (or the script {@code SYNAPSE_SH} names) runs
 * on loopback. The end-to-end tests only use a server that is already running ({@link #require()});
 * the bench starts one if needed ({@link #ensureRunning()}). Neither ever resets it: others may be
 * using it.
 */
public final class Homeserver {
  public static final String REQUIRED_ENV = "GRAPPLE_E2E_REQUIRED";

  /**
   * How the abort message of an end-to-end test starts when there is no Synapse to run it against.
   */
  public static final String NOT_RUNNING = "END-TO-END TESTS SKIPPED: Synapse is not running";

  /** The harness inside the checkout, used unless {@code SYNAPSE_SH} names another. */
  public static final String SCRIPT_IN_CHECKOUT = "testing/synapse/synapse.sh";

  private static final String PASSWORD = "grapple-test-password";
  private static final Pattern PID = Pattern.compile("pid (\\d+)");
  private static @Nullable Homeserver running;

  public final String url;
  private final SynapseScript script;

  private Homeserver(SynapseScript script, String url) {
    this.script = script;
    this.url = url;
  }

  /**
   * Returns the running homeserver. If it is not running, fails the calling test when {@code
   * GRAPPLE_E2E_REQUIRED=1}, else prints a loud banner and aborts (skips) it.
   */
  public static synchronized Homeserver require() {
    if (running != null) return running;
    SynapseScript script = script();
    if (script.exists() && script.run("status").exitCode() == 0) {
      running = new Homeserver(script, script.run("url").out().trim());
      return running;
    }
    String why = "(checked with: bash " + script.path + " status)";
    if ("1".equals(System.getenv(REQUIRED_ENV))) {
      return Assertions.fail(
          "END-TO-END TESTS REQUIRED ("
              + REQUIRED_ENV
              + "=1), but Synapse is not running "
              + why
              + ". Start it with: bash "
              + script.path
              + " start");
    }
    System.err.println(banner(NOT_RUNNING));
    return Assumptions.abort(NOT_RUNNING + " " + why);
  }

  /** Returns the homeserver, starting it first when it is not running. */
  public static Homeserver ensureRunning() {
    SynapseScript script = script();
    if (!script.exists())
      throw new IllegalStateException("no " + script.path + ": Synapse is needed");
    if (script.run("status").exitCode() != 0) {
      System.out.println("starting Synapse with " + script.path + " start");
      script.run("start").requireSuccess();
    }
    return new Homeserver(script, script.run("url").out().trim());
  }

  /** A banner of many lines around {@code headline}, with how to start Synapse or require it. */
  static String banner(String headline) {
    String bang = "!".repeat(100);
    String line = "=".repeat(100);
    return String.join(
        "\n",
        "",
        line,
        bang,
        line,
        "!!!  " + headline,
        "!!!  run bash "
            + SCRIPT_IN_CHECKOUT
            + " install && bash "
            + SCRIPT_IN_CHECKOUT
            + " start, or bash .ci/run",
        "!!!  (set " + REQUIRED_ENV + "=1 to make this a failure instead of a skip)",
        line,
        bang,
        line,
        "");
  }

  /**
   * Registers (or logs in again) a user, with an HTTP client of its own; each call is a new device
   * and token.
   */
  public MatrixUser register(String localpart) {
    return register(localpart, MatrixUser.newHttpClient());
  }

  /** Registers (or logs in again) a user that sends its requests with {@code http}. */
  public MatrixUser register(String localpart, OkHttpClient http) {
    SynapseScript.Result result = script.run("register", localpart, PASSWORD).requireSuccess();
    JsonNode answer = parse(result.out().trim());
    return new MatrixUser(
        url, answer.path("user_id").asText(), answer.path("access_token").asText(), http);
  }

  /** The Synapse process id, or -1 when it is not running. */
  public long pid() {
    Matcher m = PID.matcher(script.run("status").out());
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  public void stop() {
    script.run("stop").requireSuccess();
  }

  public void start() {
    script.run("start").requireSuccess();
  }

  private static SynapseScript script() {
    String fromEnv = System.getenv("SYNAPSE_SH");
    if (fromEnv != null && !fromEnv.isBlank()) return new SynapseScript(Path.of(fromEnv));
    return new SynapseScript(Checkout.root().resolve(SCRIPT_IN_CHECKOUT));
  }

  private static JsonNode parse(String json) {
    try {
      return MatrixUser.JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException("synapse.sh register printed no JSON: " + json, e);
    }
  }
}
