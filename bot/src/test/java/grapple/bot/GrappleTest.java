package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GrappleTest {
  @Test
  void everyWebhookPathIsMaskedInLogsEvenWithAnEmptySegment() {
    assertThat(Grapple.maskHookIds("/webhook/s3cr3t")).isEqualTo("/webhook/***");
    assertThat(Grapple.maskHookIds("/webhook//s3cr3t")).isEqualTo("/webhook/***");
    assertThat(Grapple.maskHookIds("/webhook/s3cr3t/extra")).isEqualTo("/webhook/***");
    assertThat(Grapple.maskHookIds("/v1/health")).isEqualTo("/v1/health");
  }
}
