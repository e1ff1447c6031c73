package grapple.bot.forge;

import grapple.bot.config.Section;

/** The {@code <service>.webhook.secret} that a forge's receiver checks signatures with. */
public final class WebhookSecret {
  private static final int MIN_SECRET_CHARS = 8;

  private WebhookSecret() {}

  /** {@link #read} of the service section {@code s}'s {@code webhook}, which holds nothing else. */
  public static String readWebhook(Section s, String service, boolean enabled, String env) {
    Section webhook = s.section("webhook");
    String secret = read(webhook, service, enabled, env);
    webhook.finish();
    return secret;
  }

  /**
   * {@code secret} of the {@code webhook} section, else the environment variable {@code env}; "" if
   * neither. A problem when {@code service} is enabled and it is missing or shorter than 8.
   */
  public static String read(Section webhook, String service, boolean enabled, String env) {
    String given = webhook.secretOrEnv("secret", env);
    // Whitespace is never part of a secret: a secret file gives the variable a line break at the
    // end, and kept, every signature the forge sends would fail the check.
    String secret = given == null ? "" : given.strip();
    if (enabled && secret.isEmpty()) {
      webhook.problem(
          "secret", "is required when " + service + ".enabled is true (or set " + env + ")");
    } else if (enabled) {
      // The variable named when the secret came from there, since it wins over the file.
      webhook.checkSecretLength(
          "secret", secret, MIN_SECRET_CHARS, webhook.fromEnv(env) ? env : null);
    }
    return secret;
  }
}
