package grapple.bot.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WebhookServiceTest {
  private final WebhookService service = new WebhookService();

  /**
   * The router ignores one trailing slash, so {@code POST /<hookId>/} reaches the hook on the
   * legacy root path: its id was written to the access log as sent.
   */
  @Test
  void aHookIdOnTheLegacyRootPathWithATrailingSlashIsMasked() {
    assertThat(service.maskPath("/s3cr3t/")).isEqualTo("/***");
    assertThat(service.maskPath("/s3cr3t")).isEqualTo("/***");
  }

  @Test
  void healthChecksAndTheRootStayReadableWithOrWithoutATrailingSlash() {
    assertThat(service.maskPath("/live/")).isEqualTo("/live/");
    assertThat(service.maskPath("/ready")).isEqualTo("/ready");
    assertThat(service.maskPath("/")).isEqualTo("/");
    assertThat(service.maskPath("/github/webhook")).isEqualTo("/github/webhook");
  }
}
