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

  /**
   * A mistyped path is answered 404, but the id in it may be live: {@code /Webhook/<id>} (the
   * router's paths are case-sensitive), {@code /hooks/<id>} and an escaped slash wrote the id to
   * the access log as sent.
   */
  @Test
  void anIdInAMistypedPathIsMasked() {
    String id = "Qm9vazEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIz";

    assertThat(service.maskPath("/Webhook/" + id)).isEqualTo("/Webhook/***");
    assertThat(service.maskPath("/hooks/" + id)).isEqualTo("/hooks/***");
    assertThat(service.maskPath("/webhook%2F" + id)).doesNotContain(id);
    assertThat(service.maskPath("/api/" + id + "/x")).isEqualTo("/api/***/x");
  }

  @Test
  void healthChecksAndTheRootStayReadableWithOrWithoutATrailingSlash() {
    assertThat(service.maskPath("/live/")).isEqualTo("/live/");
    assertThat(service.maskPath("/ready")).isEqualTo("/ready");
    assertThat(service.maskPath("/")).isEqualTo("/");
    assertThat(service.maskPath("/github/webhook")).isEqualTo("/github/webhook");
  }
}
