package grapple.bot.github;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which {@code #123} in a room message are issue references. */
class HotlinksTest {
  @Test
  void findsStandingReferencesInOrderWithoutRepeats() {
    assertThat(find("see #12, and (#7) or #12. Also #3!")).containsExactly(12L, 7L, 3L);
  }

  @Test
  void answersAtMostThreePerMessage() {
    assertThat(find("#1 #2 #3 #4 #5")).containsExactly(1L, 2L, 3L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc#12", "#12abc", "#0", "#12345678901", "`#12`", "``a ` #12``", "> quoting #12",
      "```\n#12\n```", "~~~\n#12\n~~~", "https://example.org/page#12", "#", "# 12"})
  void ignoresWhatIsNotAStandingReference(String body) {
    assertThat(find(body)).isEmpty();
  }

  @Test
  void findsReferencesAfterAClosedFenceAndOnTheLineAfterAQuote() {
    assertThat(find("```\n#1\n```\nnow #2")).containsExactly(2L);
    assertThat(find("> <@bob:test> #1 is broken\nis #4 the same?")).containsExactly(4L);
  }

  @Test
  void anUnclosedCodeSpanHidesNothing() {
    assertThat(find("a ` then #5")).containsExactly(5L);
  }

  @Test
  void aCustomPrefixIsTakenLiterally() {
    assertThat(Hotlinks.find(message("m.text", "GH-4 and #5 and GH.4"), "GH-")).containsExactly(4L);
  }

  @Test
  void onlyTextAndEmotesAreSearched() {
    assertThat(Hotlinks.find(message("m.emote", "fixes #9"), "#")).containsExactly(9L);
    assertThat(Hotlinks.find(message("m.notice", "fixes #9"), "#")).isEmpty();
    assertThat(Hotlinks.find(Json.object().put("msgtype", "m.text"), "#")).isEmpty();
  }

  @Test
  void onlyTheStartOfAVeryLongMessageIsSearched() {
    String body = "x".repeat(Hotlinks.MAX_SCANNED_CHARS) + " #8";

    assertThat(find(body)).isEmpty();
  }

  private static List<Long> find(String body) {
    return Hotlinks.find(message("m.text", body), "#");
  }

  private static ObjectNode message(String msgtype, String body) {
    return Json.object().put("msgtype", msgtype).put("body", body);
  }
}
