package grapple.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import grapple.state.BadInput;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

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
  void aCaseVariantPrefixIsReportedAsConfigured() {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, "!HOOKSHOT help");

    assertThat(line).map(CommandLine::prefix).contains("!hookshot");
  }

  /** Messages that are commands: the message, then the words after its prefix. */
  static Stream<Arguments> commandWords() {
    return Stream.of(
        arguments("prefixes are case-insensitive", "!GrApPlE help", List.of("help")),
        arguments("surrounding whitespace is ignored", "  !grapple help  \n", List.of("help")),
        arguments("any whitespace may separate the prefix", "!grapple\thelp", List.of("help")),
        arguments("the prefix alone has no words", "!grapple", List.of()),
        arguments("the prefix with only spaces has no words", "!grapple    ", List.of()),
        arguments(
            "a non-breaking space may separate the prefix", "!grapple\u00A0help", List.of("help")),
        arguments(
            "a zero-width space or byte order mark around the prefix is nothing",
            "\uFEFF\u200B!hookshot\u200B help\u200B",
            List.of("help")),
        arguments(
            "surrounding non-breaking spaces are ignored",
            "\u00A0!grapple help\u00A0",
            List.of("help")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("commandWords")
  void findsTheWordsAfterThePrefix(String rule, String message, List<String> expected) {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, message);

    assertThat(line).map(CommandLine::words).contains(expected);
  }

  /** Messages that are not commands, not even a broken one. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "!grapplefoo help", // a prefix running into a word
        "hello everyone", // ordinary chat
        "try typing !grapple help", // a prefix in the middle of a message
        "I'm not talking to the bot" // an unclosed quote in ordinary chat is not an error
      })
  void isNotACommand(String message) {
    Optional<CommandLine> line = CommandLine.parse(PREFIXES, message);

    assertThat(line).isEmpty();
  }

  /** How {@link CommandLine#split} groups, quotes and escapes words: input, then its words. */
  static Stream<Arguments> splitWords() {
    return Stream.of(
        arguments(
            "runs of whitespace separate words once",
            "feed   https://example.org/feed \t label",
            List.of("feed", "https://example.org/feed", "label")),
        arguments(
            "double quotes group words",
            "feed https://example.org \"My feed\" \"{title}: {link}\"",
            List.of("feed", "https://example.org", "My feed", "{title}: {link}")),
        arguments(
            "single quotes group words", "feed url 'My feed'", List.of("feed", "url", "My feed")),
        arguments(
            "single quotes keep double quotes and backslashes literally",
            "'say \"hi\" \\n'",
            List.of("say \"hi\" \\n")),
        arguments("double quotes keep single quotes", "\"it's mine\"", List.of("it's mine")),
        arguments(
            "quoted parts join the word around them", "ab\"c d\"e'f g'", List.of("abc def g")),
        arguments("empty quotes are an empty word", "feed \"\" ''", List.of("feed", "", "")),
        arguments("backslash escapes a space", "my\\ hook next", List.of("my hook", "next")),
        arguments(
            "backslash escapes a quote outside quotes", "\\\"not-quoted", List.of("\"not-quoted")),
        arguments(
            "backslash escapes a quote inside double quotes",
            "\"say \\\"hi\\\"\"",
            List.of("say \"hi\"")),
        arguments(
            "backslash escapes a backslash inside double quotes", "\"a\\\\b\"", List.of("a\\b")),
        arguments(
            "backslash before an ordinary character inside double quotes is kept",
            "\"a\\nb\"",
            List.of("a\\nb")),
        arguments("a trailing backslash is kept", "path\\", List.of("path\\")),
        arguments(
            "a non-breaking space separates words",
            "feed\u00A0list\u202Fjson",
            List.of("feed", "list", "json")),
        arguments(
            "typographic double quotes group words",
            "feed url \u201CMy feed\u201D \u201E{title}: {link}\u201C",
            List.of("feed", "url", "My feed", "{title}: {link}")),
        arguments(
            "typographic quotes inside ASCII quotes are literal",
            "\"New: \u201C$title\u201D\" '\u201Cx'",
            List.of("New: \u201C$title\u201D", "\u201Cx")),
        arguments(
            "a typographic apostrophe is a letter",
            "don\u2019t it\u2018s \u2019x",
            List.of("don\u2019t", "it\u2018s", "\u2019x")),
        arguments(
            "typographic single quotes group words",
            "feed url \u2018My feed\u2019 next",
            List.of("feed", "url", "My feed", "next")),
        arguments(
            "an apostrophe inside typographic single quotes is a letter",
            "\u2018Don\u2019t panic\u2019",
            List.of("Don\u2019t panic")),
        arguments(
            "invisible characters outside quotes are dropped",
            "\uFEFFli\u200Bst \u200F\u05E9\u05DC\u05D5\u05DD\u200E \u2060",
            List.of("list", "\u05E9\u05DC\u05D5\u05DD")),
        arguments(
            "invisible characters inside quotes are kept", "\"a\u200Bb\"", List.of("a\u200Bb")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("splitWords")
  void splitsWords(String rule, String input, List<String> expected) {
    List<String> words = CommandLine.split(input);

    assertThat(words).containsExactlyElementsOf(expected);
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
  void anUnclosedTypographicQuoteIsBadInput() {
    BadInput bad =
        catchThrowableOfType(BadInput.class, () -> CommandLine.split("feed url \u201CMy feed"));

    assertThat(bad).hasMessageContaining("unclosed").hasMessageContaining("\u201C");
    assertThat(catchThrowableOfType(BadInput.class, () -> CommandLine.split("\u201EMein Feed")))
        .as("named as typed")
        .hasMessageContaining("unclosed \u201E quote");
  }

  @Test
  void theWordsOfAConnectionCommandAreWhatFollowsItsPrefix() {
    String body = "\u200B!gh\u00A0create \u201CA title\u201D";

    assertThat(CommandLine.prefix(List.of("!gh"), body)).contains("!gh");
    assertThat(CommandLine.split(CommandLine.afterPrefix(body, "!gh")))
        .containsExactly("create", "A title");
  }

  @Test
  void anUnclosedSingleQuoteIsBadInput() {
    BadInput bad = catchThrowableOfType(BadInput.class, () -> CommandLine.split("feed 'My feed"));

    assertThat(bad).hasMessageContaining("unclosed").hasMessageContaining("'");
  }

  /** The refusal said what was wrong but not what to type instead. */
  @Test
  void anUnclosedQuoteSaysHowToTypeAQuoteThatIsPartOfAWord() {
    BadInput bad =
        catchThrowableOfType(BadInput.class, () -> CommandLine.split("feed url Bob's \u201EFeed"));

    assertThat(bad)
        .hasMessage(
            "The command has an unclosed ' quote. Close it, or put a backslash before a quote"
                + " that is part of a word (`it\\'s`).");
    assertThat(CommandLine.split("feed url Bob\\'s")).containsExactly("feed", "url", "Bob's");
  }

  @Test
  void anEscapedQuoteDoesNotCloseTheQuote() {
    BadInput bad = catchThrowableOfType(BadInput.class, () -> CommandLine.split("\"abc\\\""));

    assertThat(bad).hasMessageContaining("unclosed");
  }

  @Test
  void wordsCannotBeChangedAfterParsing() {
    java.util.ArrayList<String> words = new java.util.ArrayList<>(List.of("help"));
    CommandLine line = new CommandLine("!grapple", words);

    words.add("extra");

    assertThat(line.words()).containsExactly("help");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Task",
        "User Story",
        "say \"hi\"",
        "back\\slash",
        "it's",
        "",
        "a\tb",
        "a\u00A0b",
        "\u201Cquoted\u201D",
        "\u2018single\u2019",
        "zero\u200Bwidth"
      })
  void aQuotedWordIsSplitBackToItself(String word) {
    assertThat(CommandLine.split("create " + CommandLine.quote(word) + " x"))
        .containsExactly("create", word, "x");
  }

  @Test
  void aPlainWordIsNotQuoted() {
    assertThat(CommandLine.quote("Sub-task")).isEqualTo("Sub-task");
    assertThat(CommandLine.quote("User Story")).isEqualTo("\"User Story\"");
  }
}
