package grapple.bot.gitea;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.forge.Signatures;
import grapple.bot.http.Request;
import java.lang.management.ManagementFactory;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a Gitea delivery's signature is checked against, for JSON and form bodies. */
class GiteaSignatureTest {
  private static final byte[] SECRET = "a-gitea-secret".getBytes(UTF_8);
  private static final Optional<String> FORM =
      Optional.of("application/x-www-form-urlencoded; charset=utf-8");

  @Test
  void aJsonBodyIsSignedWhole() {
    byte[] body = "{\"a\":1}".getBytes(UTF_8);

    assertThat(GiteaReceiver.signature(SECRET, Optional.of("application/json"), body))
        .hasValueSatisfying(v -> assertThat(v).isEqualTo(Signatures.hmac(SECRET, body)));
  }

  /** The form's payload field as Request.formField decodes it, whichever field it is. */
  @Test
  void aFormsPayloadFieldIsSignedAsItDecodes() {
    String json = "{\"title\":\"a + b = 100% ♥ ü\",\"n\":1}";
    byte[] form =
        ("x=1&pay%6Coad=" + java.net.URLEncoder.encode(json, UTF_8) + "&payload=second&secret=%41")
            .getBytes(UTF_8);
    byte[] decoded = Request.formField(form, "payload").orElseThrow().getBytes(UTF_8);

    assertThat(new String(decoded, UTF_8)).isEqualTo(json);
    assertThat(GiteaReceiver.signature(SECRET, FORM, form))
        .hasValueSatisfying(v -> assertThat(v).isEqualTo(Signatures.hmac(SECRET, decoded)));
    assertThat(GiteaReceiver.signature(SECRET, FORM, "payload".getBytes(UTF_8)))
        .hasValueSatisfying(v -> assertThat(v).isEqualTo(Signatures.hmac(SECRET, new byte[0])));
    assertThat(GiteaReceiver.signature(SECRET, FORM, "other=1".getBytes(UTF_8))).isEmpty();
    assertThatThrownBy(() -> GiteaReceiver.signature(SECRET, FORM, "payload=%7".getBytes(UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed %-escape");
  }

  /**
   * A forged form delivery (any 64 hex digits pass the check before the body is read) costs no
   * memory beyond its body, which the listener's budget counts: its field was decoded into a
   * string, a decoded copy and its bytes, several times the body, before the signature was checked.
   */
  @Test
  void checkingAFormsSignatureMakesNoCopyOfItsField() {
    byte[] form = ("payload=%7B%22a%22%3A%22" + "x".repeat(8 << 20) + "%22%7D").getBytes(UTF_8);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    GiteaReceiver.signature(SECRET, FORM, form); // classes loaded, code warm

    long before = threads.getCurrentThreadAllocatedBytes();
    Optional<byte[]> signature = GiteaReceiver.signature(SECRET, FORM, form);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(signature).isPresent();
    assertThat(allocated).as("bytes allocated for an 8 MiB body").isLessThan(1 << 20);
  }
}
