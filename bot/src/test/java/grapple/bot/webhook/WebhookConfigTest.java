package grapple.bot.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.BadInput;
import grapple.state.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookConfigTest {
  @Test
  void rejectsANameShorterThanTwoCharactersNamingFieldAndRule() {
    assertThatThrownBy(() -> WebhookConfig.from("x", Json.object().put("name", "x")))
        .isInstanceOf(BadInput.class)
        .hasMessage("'name' must be 2-64 characters, was 1");
  }

  @Test
  void rejectsANameLongerThanSixtyFourCharacters() {
    String name = "n".repeat(65);

    assertThatThrownBy(() -> WebhookConfig.from(name, Json.object().put("name", name)))
        .hasMessage("'name' must be 2-64 characters, was 65");
  }

  @Test
  void theStateKeyIsTheNameWhenContentHasNone() {
    assertThat(WebhookConfig.from("ci", Json.object()).name()).isEqualTo("ci");
  }

  @Test
  void rejectsANonBooleanFlag() {
    assertThatThrownBy(() -> WebhookConfig.from("ci", Json.object().put("waitForComplete", "yes")))
        .hasMessage("'waitForComplete' must be true or false, was `\"yes\"`");
  }

  @Test
  void rejectsABadExpirationDate() {
    assertThatThrownBy(
            () -> WebhookConfig.from("ci", Json.object().put("expirationDate", "tomorrow")))
        .hasMessageStartingWith("'expirationDate' must be an ISO 8601 UTC time");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2026-01-01T01:00:00Z",
        "2026-01-01T01:00:00.000Z",
        "2026-01-01T02:00:00+01:00",
        "2026-01-01T02:00:00.000+0100", // hookshot's own form, yyyy-MM-dd'T'HH:mm:ss.SSSXX
        "2025-12-31T20:00:00-0500"
      })
  void readsAnExpirationDateWithAnyOffsetForm(String date) {
    WebhookConfig config = WebhookConfig.from("ci", Json.object().put("expirationDate", date));

    assertThat(config.expirationDate()).contains(Instant.parse("2026-01-01T01:00:00Z"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"2026-01-01T01:00:00", "2026-01-01", "2026-01-01T01:00:00+1"})
  void refusesAnExpirationDateWithoutAFullOffset(String date) {
    assertThatThrownBy(() -> WebhookConfig.from("ci", Json.object().put("expirationDate", date)))
        .hasMessageStartingWith("'expirationDate' must be an ISO 8601 UTC time");
  }

  @Test
  void isNotExpiredBeforeItsDate() {
    WebhookConfig config =
        WebhookConfig.from("ci", Json.object().put("expirationDate", "2026-01-01T00:00:00Z"));

    assertThat(config.expired(Instant.parse("2025-12-31T23:59:59Z"))).isFalse();
    assertThat(config.expired(Instant.parse("2026-01-01T00:00:01Z"))).isTrue();
  }

  /** Hookshot refuses a hook from its expirationDate on ({@code now >= expiresAt}). */
  @Test
  void isExpiredAtItsDateItself() {
    WebhookConfig config =
        WebhookConfig.from("ci", Json.object().put("expirationDate", "2026-01-01T00:00:00.000Z"));

    assertThat(config.expired(Instant.parse("2026-01-01T00:00:00Z"))).isTrue();
  }

  @Test
  void keepsTheTransformationFunctionAsText() {
    assertThat(
            WebhookConfig.from("ci", Json.object().put("transformationFunction", "result = 1"))
                .transformationFunction())
        .contains("result = 1");
    assertThatThrownBy(
            () -> WebhookConfig.from("ci", Json.object().put("transformationFunction", 5)))
        .hasMessageContaining("'transformationFunction' must be a string");
  }

  /**
   * An object or array has no text: read as blank, it was taken for "no script", so a hook whose
   * admin meant a script ran without one and nobody was told.
   */
  @Test
  void aTransformationFunctionThatIsNotTextIsRefusedEvenWhenEmpty() {
    ObjectNode withObject = Json.object();
    withObject.putObject("transformationFunction");
    ObjectNode withArray = Json.object();
    withArray.putArray("transformationFunction").add("result = 1");

    for (ObjectNode content : java.util.List.of(withObject, withArray)) {
      assertThatThrownBy(() -> WebhookConfig.from("ci", content))
          .isInstanceOf(BadInput.class)
          .hasMessageStartingWith("'transformationFunction' must be a string, was ");
    }
  }
}
