package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import grapple.state.Json;
import org.junit.jupiter.api.Test;

/** Labels in text and HTML, as every forge shows them. */
class LabelsTest {
  @Test
  void plainTextJoinsTheNames() {
    assertThat(
            Labels.plain(
                json("{\"l\":[{\"name\":\"bug\"},{\"name\":\"help wanted\"},{}]}").get("l")))
        .isEqualTo("bug, help wanted");
  }

  @Test
  void lightLabelsGetBlackTextAndDarkOnesWhite() {
    String html =
        Labels.html(
            json("{\"l\":[{\"name\":\"a\",\"color\":\"ffffff\"},{\"name\":\"b\",\"color\":\"#000\"}]}")
                .get("l"));

    assertThat(html)
        .isEqualTo(
            "<span data-mx-bg-color=\"#ffffff\" data-mx-color=\"#000000\">a</span> "
                + "<span data-mx-bg-color=\"#000000\" data-mx-color=\"#FFFFFF\">b</span>");
  }

  @Test
  void aColourThatIsNotHexIsLeftOut() {
    assertThat(
            Labels.html(
                json("{\"l\":[{\"name\":\"a\",\"color\":\"red\"},{\"name\":\"b\",\"color\":null}]}")
                    .get("l")))
        .isEqualTo("<span>a</span> <span>b</span>");
  }

  @Test
  void githubsBlueTakesWhiteText() {
    assertThat(Labels.textColor("0075ca")).isEqualTo("#FFFFFF");
    assertThat(Labels.textColor("a2eeef")).isEqualTo("#000000");
  }

  private static JsonNode json(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new AssertionError(e);
    }
  }
}
