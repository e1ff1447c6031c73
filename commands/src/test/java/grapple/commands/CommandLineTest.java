package grapple.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import grapple.state.BadInput;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommandLineTest {
  private static final List<String> PREFIXES = List.of("!grapple", "!hookshot");

  @Test
  void splitsACommandIntoItsPrefixAndWords() {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, "!grapple webhook ci 30d");

    assertThat(line).contains(new CommandLine("!grapple", List.of("webhook", "ci", "30d")));
  }

  @Test
  void acceptsEveryConfiguredPrefix() {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, "!hookshot help");

    assertThat(line).contains(new CommandLine("!hookshot", List.of("help")));
  }

  @Test
  void prefixesAreCaseInsensitive() {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, "!GrApPlE help");

    assertThat(line).map(CommandLine::words).contains(List.of("help"));
  }

  @Test
  void aCaseVariantPrefixIsReportedAsConfigured() {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, "!HOOKSHOT help");

    assertThat(line).map(CommandLine::prefix).contains("!hookshot");
  }

  @Test
  void aPrefixRunningIntoAWordIsNotACommand() {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, "!grapplefoo help");

    assertThat(line).isEmpty();
  }

  @Test
  void ordinaryChatIsNotACommand() {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, "hello everyone");

    assertThat(line).isEmpty();
  }

  @Test
  void aPrefixInTheMiddleOfAMessageIsNotACommand() {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, "try typing !grapple help");

    assertThat(line).isEmpty();
  }

  @Test
  void surroundingWhitespaceIsIgnored() {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, "  !grapple help  \n");

    assertThat(line).map(CommandLine::words).contains(List.of("help"));
  }

  @Test
  void anyWhitespaceMaySeparateThePrefix() {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, "!grapple\thelp");

    assertThat(line).map(CommandLine::words).contains(List.of("help"));
  }

  @Test
  void thePrefixAloneHasNoWords() {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, "!grapple");

    assertThat(line).map(CommandLine::words).contains(List.of());
  }

  @Test
  void thePrefixWithOnlySpacesHasNoWords() {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, "!grapple    ");

    assertThat(line).map(CommandLine::words).contains(List.of());
  }

  @Test
  void runsOfWhitespaceSeparateWordsOnce() {
    List<String> words = CommandLine.split("feed   https://example.org/feed \t label");

    assertThat(words).containsExactly("feed", "https://example.org/feed", "label");
  }

  @Test
  void doubleQuotesGroupWords() {
    List<String> words =
        CommandLine.split("feed https://example.org \"My feed\" \"{title}: {link}\"");

    assertThat(words).containsExactly("feed", "https://example.org", "My feed", "{title}: {link}");
  }

  @Test
  void singleQuotesGroupWords() {
    List<String> words = CommandLine.split("feed url 'My feed'");

    assertThat(words).containsExactly("feed", "url", "My feed");
  }

  @Test
  void singleQuotesKeepDoubleQuotesAndBackslashesLiterally() {
    List<String> words = CommandLine.split("'say \"hi\" \\n'");

    assertThat(words).containsExactly("say \"hi\" \\n");
  }

  @Test
  void doubleQuotesKeepSingleQuotes() {
    List<String> words = CommandLine.split("\"it's mine\"");

    assertThat(words).containsExactly("it's mine");
  }

  @Test
  void quotedPartsJoinTheWordAroundThem() {
    List<String> words = CommandLine.split("ab\"c d\"e'f g'");

    assertThat(words).containsExactly("abc def g");
  }

  @Test
  void emptyQuotesAreAnEmptyWord() {
    List<String> words = CommandLine.split("feed \"\" ''");

    assertThat(words).containsExactly("feed", "", "");
  }

  @Test
  void backslashEscapesASpace() {
    List<String> words = CommandLine.split("my\\ hook next");

    assertThat(words).containsExactly("my hook", "next");
  }

  @Test
  void backslashEscapesAQuoteOutsideQuotes() {
    List<String> words = CommandLine.split("\\\"not-quoted");

    assertThat(words).containsExactly("\"not-quoted");
  }

  @Test
  void backslashEscapesAQuoteInsideDoubleQuotes() {
    List<String> words = CommandLine.split("\"say \\\"hi\\\"\"");

    assertThat(words).containsExactly("say \"hi\"");
  }

  @Test
  void backslashEscapesABackslashInsideDoubleQuotes() {
    List<String> words = CommandLine.split("\"a\\\\b\"");

    assertThat(words).containsExactly("a\\b");
  }

  @Test
  void backslashBeforeAnOrdinaryCharacterInsideDoubleQuotesIsKept() {
    List<String> words = CommandLine.split("\"a\\nb\"");

    assertThat(words).containsExactly("a\\nb");
  }

  @Test
  void aTrailingBackslashIsKept() {
    List<String> words = CommandLine.split("path\\");

    assertThat(words).containsExactly("path\\");
  }

  @Test
  void anUnclosedDoubleQuoteIsBadInput() {
    BadInput bad =
        catchThrowableOfType(
            BadInput.class, () -> CommandLine.parse(PREFIXES, "!grapple feed url \"My feed"));

    assertThat(bad.field()).isEqualTo("command");
    assertThat(bad).hasMessageContaining("unclosed").hasMessageContaining("\"");
  }

  @Test
  void anUnclosedSingleQuoteIsBadInput() {
    BadInput bad = catchThrowableOfType(BadInput.class, () -> CommandLine.split("feed 'My feed"));

    assertThat(bad).hasMessageContaining("unclosed").hasMessageContaining("'");
  }

  @Test
  void anEscapedQuoteDoesNotCloseTheQuote() {
    BadInput bad = catchThrowableOfType(BadInput.class, () -> CommandLine.split("\"abc\\\""));

    assertThat(bad).hasMessageContaining("unclosed");
  }

  @Test
  void anUnclosedQuoteInOrdinaryChatIsNotAnError() {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, "I'm not talking to the bot");

    assertThat(line).isEmpty();
  }

  @Test
  void wordsCannotBeChangedAfterParsing() {
    java.util.ArrayList<String> words = new java.util.ArrayList<>(List.of("help"));
    CommandLine line = new CommandLine("!grapple", words);

    words.add("extra");

    assertThat(line.words()).containsExactly("help");
  }
}
