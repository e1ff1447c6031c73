package grapple.bot.e2e;

import grapple.testing.Homeserver;
import grapple.testing.MatrixUser;
import java.security.SecureRandom;

/**
 * The people of every scenario, registered once per test run under names unique to the run: alice
 * (config admin, creates the rooms), bob (no permission at all), carol (config level {@code
 * commands} only) and dave (config admin, power level 0 in the rooms).
 */
record Cast(String runId, MatrixUser alice, MatrixUser bob, MatrixUser carol, MatrixUser dave) {
  private static Cast registered;

  /**
   * The cast on the running homeserver; aborts or fails the calling test as {@link
   * Homeserver#require()} does.
   */
  static synchronized Cast require() {
    if (registered == null) registered = registerNew();
    return registered;
  }

  /**
   * A cast of its own, for a class that runs alongside the others ({@code @Execution(CONCURRENT)}):
   * a user's waits hold that user, so a class that waits minutes for a poll must not share them.
   */
  static Cast registerNew() {
    Homeserver homeserver = Homeserver.require();
    String runId = newRunId();
    return new Cast(
        runId,
        homeserver.register("alice_" + runId),
        homeserver.register("bob_" + runId),
        homeserver.register("carol_" + runId),
        homeserver.register("dave_" + runId));
  }

  /** The bot's permissions config: alice and dave are admins, carol may only use commands. */
  String permissionsYaml() {
    return """
        permissions:
          - actor: "%s"
            services: [{service: "*", level: admin}]
          - actor: "%s"
            services: [{service: "*", level: admin}]
          - actor: "%s"
            services: [{service: "*", level: commands}]
        """
        .formatted(alice.userId, dave.userId, carol.userId);
  }

  private static String newRunId() {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    SecureRandom random = new SecureRandom();
    StringBuilder id = new StringBuilder();
    for (int i = 0; i < 6; i++) id.append(alphabet.charAt(random.nextInt(alphabet.length())));
    return id.toString();
  }
}
