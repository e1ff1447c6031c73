package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GrappleTest {
  @Test
  void everyWebhookPathIsMaskedInLogsEvenWithAnEmptySegment() {
    assertThat(Grapple.maskPath(Grapple.services(), "/webhook/s3cr3t")).isEqualTo("/webhook/***");
    assertThat(Grapple.maskPath(Grapple.services(), "/webhook//s3cr3t")).isEqualTo("/webhook/***");
    assertThat(Grapple.maskPath(Grapple.services(), "/webhook/s3cr3t/extra"))
        .isEqualTo("/webhook/***");
    assertThat(Grapple.maskPath(Grapple.services(), "/v1/health")).isEqualTo("/v1/health");
  }
}
