package grapple.testing.github;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import okhttp3.Request;
import okio.Buffer;
import org.junit.jupiter.api.Test;

class WebhookDeliveryTest {
  @Test
  void aSignedDeliveryCarriesGithubsHeaders() {
    byte[] body = "{\"zen\":\"Keep it logically awesome.\"}".getBytes(StandardCharsets.UTF_8);

    WebhookDelivery delivery = WebhookDelivery.signed("ping", body, "secret");

    assertThat(delivery.headers())
        .containsKeys(
            "User-Agent",
            "X-GitHub-Event",
            "X-GitHub-Delivery",
            "X-GitHub-Hook-ID",
            "X-Hub-Signature",
            "X-Hub-Signature-256");
    assertThat(delivery.headers().get("X-GitHub-Event")).isEqualTo("ping");
    assertThat(delivery.headers().get("X-Hub-Signature-256"))
        .isEqualTo(GithubSigner.sign("secret", body));
    assertThat(delivery.deliveryId()).matches("[0-9a-f-]{36}");
  }

  @Test
  void anUnsignedDeliveryHasNoSignatures() {
    WebhookDelivery delivery = WebhookDelivery.unsigned("ping", new byte[] {'{', '}'});

    assertThat(delivery.headers()).doesNotContainKeys("X-Hub-Signature", "X-Hub-Signature-256");
  }

  @Test
  void theRequestPostsTheExactBytes() throws Exception {
    GithubCorpus.Example example = GithubCorpus.get().webhookExamples().get(0);
    WebhookDelivery delivery = WebhookDelivery.signed(example, "secret");

    Request request = delivery.request("http://127.0.0.1:1/github/webhook");

    Buffer sent = new Buffer();
    request.body().writeTo(sent);
    assertThat(sent.readByteArray()).isEqualTo(example.body());
    assertThat(request.header("X-Hub-Signature-256"))
        .isEqualTo(GithubSigner.sign("secret", example.body()));
    assertThat(request.body().contentType().toString()).isEqualTo("application/json");
  }
}
