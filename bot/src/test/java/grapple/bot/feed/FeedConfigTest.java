package grapple.bot.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import grapple.state.BadInput;
import grapple.state.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FeedConfigTest {
  private static final String URL = "https://blog.example/feed";

  private static FeedConfig from(String json) throws Exception {
    return FeedConfig.from(URL, (ObjectNode) Json.MAPPER.readTree(json));
  }

  private static FeedItem item(String title, String summary) {
    return new FeedItem("1", title, null, null, Instant.EPOCH, summary);
  }

  /**
   * The same words fit a PATCH of the URL and state written by hand under another key, which
   * changes nothing: the rule is named, not a change.
   */
  @Test
  void theUrlMustBeTheStateKey() {
    assertThatThrownBy(() -> from("{\"url\":\"https://other.example/feed\"}"))
        .isInstanceOf(BadInput.class)
        .hasMessage(
            "'url' must be the state key `"
                + URL
                + "` (a feed is known by its URL, which cannot change: follow the other URL as a"
                + " new feed instead), was `https://other.example/feed`");
  }

  @Test
  void theUrlMustBeHttpOrHttps() {
    assertThatThrownBy(
            () -> FeedConfig.from("ftp://x/feed", Json.object().put("url", "ftp://x/feed")))
        .hasMessage("'url' must be an http or https URL, was `ftp://x/feed`");
  }

  @Test
  void aUrlTheFetcherCannotParseIsRefusedNamingTheRule() {
    String url = "http://example.org:99999/feed";
    assertThatThrownBy(() -> FeedConfig.from(url, Json.object().put("url", url)))
        .isInstanceOf(BadInput.class)
        .hasMessage(
            "'url' must be an http or https URL with a valid host and a port of 1-65535, was `"
                + url
                + "`");
  }

  @Test
  void aRefusedUrlOrRuleIsEchoedAsCodeNeverAsALink() {
    String url = "[click](https://evil.example/)";
    assertThatThrownBy(() -> FeedConfig.from(url, Json.object()))
        .satisfies(e -> assertNoMarkup(e.getMessage()));
    assertThatThrownBy(() -> from("{\"include\":[\"/[x](https://evil.example/)(/\"]}"))
        .satisfies(e -> assertNoMarkup(e.getMessage()));
    assertThatThrownBy(() -> from("{\"include\":[\"/a`[x](https://evil.example/)`(/\"]}"))
        .satisfies(e -> assertNoMarkup(e.getMessage()));
    assertThatThrownBy(() -> from("{\"label\":[\"*[x](https://evil.example/)*\"]}"))
        .satisfies(e -> assertNoMarkup(e.getMessage()));
  }

  private static void assertNoMarkup(String markdown) {
    assertThat(Messages.notice(markdown).path("formatted_body").asText())
        .contains("evil.example")
        .doesNotContain("<a ", "<em>");
  }

  @Test
  void anInvalidRegexIsRefusedWithTheReason() {
    assertThatThrownBy(() -> from("{\"include\":[\"/(unclosed/\"]}"))
        .isInstanceOf(BadInput.class)
        .hasMessageStartingWith("'include' has an invalid regular expression `/(unclosed/`: ");
  }

  @Test
  void keywordsMatchTitleOrSummaryIgnoringCase() throws Exception {
    FeedFilter filter = from("{\"include\":[\"release\"]}").filter();

    assertThat(filter.passes(item("New RELEASE", null))).isTrue();
    assertThat(filter.passes(item("x", "a release note"))).isTrue();
    assertThat(filter.passes(item("x", "y"))).isFalse();
  }

  @Test
  void regexesMatchCaseSensitivelyUnlessFlagged() throws Exception {
    FeedFilter strict = from("{\"include\":[\"/^v\\\\d+/\"]}").filter();
    FeedFilter loose = from("{\"include\":[\"/^V\\\\d+/i\"]}").filter();

    assertThat(strict.passes(item("v12 out", null))).isTrue();
    assertThat(strict.passes(item("V12 out", null))).isFalse();
    assertThat(loose.passes(item("v12 out", null))).isTrue();
  }

  @Test
  void excludeWinsOverInclude() throws Exception {
    FeedFilter filter = from("{\"include\":[\"release\"],\"exclude\":[\"beta\"]}").filter();

    assertThat(filter.passes(item("release beta", null))).isFalse();
  }

  @Test
  void nonBooleanFlagsAreRefused() {
    assertThatThrownBy(() -> from("{\"notifyOnFailure\":\"yes\"}"))
        .hasMessage("'notifyOnFailure' must be true or false, was `\"yes\"`");
  }

  /**
   * Hookshot takes a label of any length: a room it set up with a long one must keep its feed (it
   * was refused over 256 characters, and the feed stopped).
   */
  @Test
  void aLabelOfAnyLengthIsTakenAsHookshotTakesIt() throws Exception {
    String label = "Release notes of the project ".repeat(100);

    assertThat(from("{\"label\":\"" + label + "\"}").label()).contains(label);
  }

  @Test
  void aLabelThatIsNotAStringIsRefusedNamingTheField() {
    assertThatThrownBy(() -> from("{\"label\":5}"))
        .isInstanceOf(BadInput.class)
        .hasMessage("'label' must be a string, was `5`");
  }

  @Test
  void aTemplateLongerThan1024CharactersIsRefusedAsHookshotDoes() throws Exception {
    // hookshot 1.3: template? (<=1024), "Template should not be longer than 1024 characters".
    assertThat(from("{\"template\":\"" + "x".repeat(1024) + "\"}").template()).isPresent();
    assertThatThrownBy(() -> from("{\"template\":\"" + "x".repeat(1025) + "\"}"))
        .isInstanceOf(BadInput.class)
        .hasMessage("'template' must be at most 1024 characters, was 1025");
  }
}
