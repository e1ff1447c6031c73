package grapple.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MarkdownTest {
  @Test
  void aCodeSpanOutgrowsEveryBacktickRunInside() {
    assertThat(Markdown.code("plain")).isEqualTo("`plain`");
    assertThat(Markdown.code("a`b")).isEqualTo("``a`b``");
    assertThat(Markdown.code("a``b`")).isEqualTo("``` a``b` ```");
    assertThat(Markdown.code("`")).isEqualTo("`` ` ``");
  }

  @Test
  void lineBreaksCannotEndTheParagraph() {
    assertThat(Markdown.code("a\n\n# b\r\nc")).isEqualTo("`a  # b  c`");
    assertThat(Markdown.escape("a\n\n- b")).isEqualTo("a  \\- b");
  }

  @Test
  void anEchoedValueCannotTurnTheRestOfTheLineAround() {
    assertThat(Markdown.code("hook\u202Ekoob")).isEqualTo("`hook\uFFFDkoob`");
    assertThat(Markdown.escape("a\u2067b\u202Ac\u2069")).isEqualTo("a\uFFFDb\uFFFDc\uFFFD");
    assertThat(Markdown.code("שלום עולם")).isEqualTo("`שלום עולם`");
  }

  @Test
  void escapingMakesEveryPunctuationCharacterLiteral() {
    assertThat(Markdown.escape("[x](javascript:y) *a* <b> `c`"))
        .isEqualTo("\\[x\\]\\(javascript\\:y\\) \\*a\\* \\<b\\> \\`c\\`");
  }

  @Test
  void longValuesAreCut() {
    assertThat(Markdown.code("a".repeat(1_000))).hasSize(Markdown.MAX_ECHO_CHARS + 3);
  }

  /**
   * A long value cut between the two halves of an emoji kept half of it, which the event's UTF-8
   * cannot hold: the reply showed a '?' before the ellipsis.
   */
  @Test
  void aCutNeverSplitsACharacter() {
    String cut = Markdown.code("a".repeat(Markdown.MAX_ECHO_CHARS - 1) + "\uD83D\uDE00 and more");

    assertThat(cut).isEqualTo("`" + "a".repeat(Markdown.MAX_ECHO_CHARS - 1) + "…`");
  }

  @Test
  void aBlankValueIsStillACodeSpan() {
    assertThat(Markdown.code("")).isEqualTo("` `");
  }

  @Test
  void aCodeBlockFenceOutgrowsFencesInside() {
    assertThat(Markdown.codeBlock("json", "{\"a\":\"```\"}"))
        .isEqualTo("````json\n{\"a\":\"```\"}\n````");
    assertThat(Markdown.codeBlock("", "x")).isEqualTo("```\nx\n```");
  }

  @Test
  void aBulletListIsAHeadingABlankLineAndOneLinePerItem() {
    assertThat(Markdown.bulletList("Feeds in this room:", List.of("`a` — ok", "`b` — failing  ")))
        .isEqualTo("Feeds in this room:\n\n- `a` — ok\n- `b` — failing");
  }
}
