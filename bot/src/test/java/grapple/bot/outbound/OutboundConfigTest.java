package grapple.bot.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.state.BadInput;
import grapple.state.Json;
import org.junit.jupiter.api.Test;

/** Refusals of an outbound hook's content name the field and the rule, and keep the URL's keys. */
class OutboundConfigTest {
  private static final String KEY = "s3cr3t";

  /**
   * A refused URL's user info, path and query may carry the target's key: the refusal (logged, and
   * posted in the room) names the rule without repeating them.
   */
  @Test
  void aRefusedUrlIsNotRepeatedInTheRefusal() {
    record Case(String url, String rule) {}
    for (Case c :
        new Case[] {
          new Case("ftp://u:" + KEY + "@example.org/" + KEY + "?k=" + KEY, "must be http or https"),
          new Case("/hooks/" + KEY, "must be http or https, was none"),
          new Case("http://example.org:99999/" + KEY + "?k=" + KEY, "from 1 to 65535, was 99999"),
          new Case("http://example.org:/" + KEY, "from 1 to 65535"),
          new Case("http://example.org/a b/" + KEY, "Outbound URL is invalid (illegal character"),
          new Case("http:///" + KEY + "?k=" + KEY, "Outbound URL is invalid (no host)"),
          new Case("https://u:" + KEY + "@example.org/", "must not carry a user and password"),
        }) {
      assertThatThrownBy(
              () -> OutboundConfig.from("ci", Json.object().put("name", "ci").put("url", c.url())))
          .as(c.url())
          .isInstanceOfSatisfying(BadInput.class, e -> assertThat(e.field()).isEqualTo("url"))
          .hasMessageContaining(c.rule())
          .message()
          .doesNotContain(KEY);
    }
  }

  /**
   * A config prints the URL's scheme, host and port, not its path or query: a record printed every
   * field, and a chat service's incoming webhook URL (its path) is its key.
   */
  @Test
  void aConfigPrintsItsUrlWithoutPathOrQuery() {
    OutboundConfig config =
        OutboundConfig.from(
            "ci",
            Json.object()
                .put("name", "ci")
                .put("url", "https://hooks.example.org:8443/services/" + KEY + "?token=" + KEY)
                .put("method", "POST"));

    assertThat(config.toString())
        .doesNotContain(KEY)
        .contains("https://hooks.example.org:8443")
        .contains("ci")
        .contains("POST");
    assertThat(new OutboundSender.Target("!room:test", "ci", config, "hs-ob-" + KEY).toString())
        .doesNotContain(KEY);
  }

  /**
   * An international host ({@code bücher.example}) or one with an underscore ({@code my_service}, a
   * Docker Compose service) has no host for {@code java.net.URI}, and was refused as having none.
   * Taken as OkHttp sends to it (an international one in punycode), and shown as scheme, host and
   * port only.
   */
  @Test
  void anInternationalOrUnderscoredHostIsTakenAsOkHttpSendsToIt() {
    OutboundConfig idn = config("https://bücher.example/hook/" + KEY + "?k=" + KEY);
    OutboundConfig compose = config("http://my_service:8080/hook/" + KEY);

    assertThat(idn.url().host()).isEqualTo("xn--bcher-kva.example");
    assertThat(idn.url().encodedPath()).isEqualTo("/hook/" + KEY);
    assertThat(idn.origin()).isEqualTo("https://xn--bcher-kva.example");
    assertThat(idn.toString()).contains("https://xn--bcher-kva.example").doesNotContain(KEY);
    assertThat(compose.url().host()).isEqualTo("my_service");
    assertThat(compose.url().port()).isEqualTo(8080);
    assertThat(compose.origin()).isEqualTo("http://my_service:8080");
    assertThat(compose.toString()).doesNotContain(KEY);
  }

  /**
   * Every other rule holds for such a host, and a host OkHttp cannot send to is refused saying what
   * is wrong with it, not "no host".
   */
  @Test
  void anInvalidHostIsRefusedSayingWhatIsWrongWithIt() {
    record Case(String url, String rule) {}
    for (Case c :
        new Case[] {
          new Case("http://u:" + KEY + "@my_service/" + KEY, "must not carry a user and password"),
          new Case("https://bücher.example:99999/" + KEY, "from 1 to 65535, was 99999"),
          new Case("http://my_service:0/" + KEY, "from 1 to 65535, was 0"),
          new Case("ftp://bücher.example/" + KEY, "must be http or https"),
          new Case("http://a..example/" + KEY, "its host has an empty label"),
          new Case("http://.example/" + KEY, "its host has an empty label"),
          new Case("http://" + "a".repeat(64) + ".example/" + KEY, "longer than 63 characters"),
          new Case("http://a%2Fb.example/" + KEY, "a character a host name cannot have"),
        }) {
      assertThatThrownBy(() -> config(c.url()))
          .as(c.url())
          .isInstanceOfSatisfying(BadInput.class, e -> assertThat(e.field()).isEqualTo("url"))
          .hasMessageContaining(c.rule())
          .message()
          .doesNotContain(KEY);
    }
  }

  private static OutboundConfig config(String url) {
    return OutboundConfig.from("ci", Json.object().put("name", "ci").put("url", url));
  }
}
