package grapple.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CommandTableTest {
  private static final Command WEBHOOK =
      command("webhook", "<name> [duration]", "generic", PermissionLevel.MANAGE_CONNECTIONS);
  private static final Command WEBHOOK_LIST =
      command("webhook list", "", "generic", PermissionLevel.COMMANDS);
  private static final Command WEBHOOK_REMOVE =
      command("webhook remove", "<name>", "generic", PermissionLevel.MANAGE_CONNECTIONS);
  private static final Command FEED =
      command("feed", "<url> [label] [template]", "feeds", PermissionLevel.MANAGE_CONNECTIONS);
  private static final Command FEED_LIST =
      command("feed list", "[json|yaml]", "feeds", PermissionLevel.COMMANDS);
  private static final Command GITHUB_REPO =
      command("github repo", "<url>", "github", PermissionLevel.MANAGE_CONNECTIONS);
  private static final Command JIRA_LIST =
      command("jira list project", "", "jira", PermissionLevel.COMMANDS);
  private static final Command JIRA_PROJECT =
      command("jira project", "<url>", "jira", PermissionLevel.MANAGE_CONNECTIONS);

  private final CommandTable table =
      new CommandTable(
          List.of(WEBHOOK, WEBHOOK_LIST, WEBHOOK_REMOVE, FEED, FEED_LIST, GITHUB_REPO));

  /** Words typed, the command they match and its arguments. */
  static Stream<Arguments> matches() {
    return Stream.of(
        arguments("the longest match wins", "webhook list", WEBHOOK_LIST, List.of()),
        arguments("the longest match wins in any case", "WebHook LIST", WEBHOOK_LIST, List.of()),
        arguments(
            "the shorter command takes other words as arguments",
            "webhook ci 30d",
            WEBHOOK,
            List.of("ci", "30d")),
        arguments(
            "words after the longer command are its arguments",
            "feed list json",
            FEED_LIST,
            List.of("json")),
        arguments("arguments keep their case", "WEBHOOK MyHook", WEBHOOK, List.of("MyHook")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matches")
  void matchesTheCommandAndTakesTheRestAsArguments(
      String rule, String typed, Command command, List<String> args) {
    Optional<CommandTable.Match> match = table.match(List.of(typed.split(" ")));

    assertThat(match).contains(new CommandTable.Match(command, args));
  }

  /**
   * An alias ({@code jira project list} of {@code jira list project}) runs its command, and is left
   * out of help and suggestions, which name the command once.
   */
  @Test
  void anAliasMatchesButHelpAndSuggestionsNameItsCommandOnly() {
    CommandTable jira =
        new CommandTable(List.of(JIRA_PROJECT, JIRA_LIST, JIRA_LIST.alias("jira project list")));

    assertThat(jira.match(List.of("Jira", "Project", "List")))
        .map(m -> m.command().handler())
        .contains(JIRA_LIST.handler());
    assertThat(jira.closestWords(List.of("jira"), c -> true))
        .containsExactly("jira list project", "jira project");
    assertThat(jira.help("!grapple", c -> true, Optional.empty(), ServiceNames.none()))
        .contains("`!grapple jira list project`")
        .doesNotContain("jira project list");
  }

  /**
   * Words that only start commands ({@code jira list} for {@code jira list project}) were answered
   * "Unknown command" with nothing to go on: the commands they start are what was meant.
   */
  @Test
  void wordsThatOnlyStartCommandsSuggestTheCommandsTheyStart() {
    Command jiraRemove =
        command("jira remove project", "<url>", "jira", PermissionLevel.MANAGE_CONNECTIONS);
    CommandTable jira = new CommandTable(List.of(JIRA_PROJECT, JIRA_LIST, jiraRemove, WEBHOOK));

    assertThat(jira.closestWords(List.of("jira", "List"), c -> true))
        .containsExactly("jira list project");
    assertThat(jira.closestWords(List.of("JIRA"), c -> true))
        .containsExactly("jira list project", "jira project", "jira remove project");
    assertThat(jira.closestWords(List.of("jira"), CommandTableTest::commandsLevel))
        .as("only those the sender may use")
        .containsExactly("jira list project");
  }

  @Test
  void theLongestMatchWinsWhateverTheTableOrder() {
    CommandTable reversed = new CommandTable(List.of(WEBHOOK_LIST, WEBHOOK));

    Optional<CommandTable.Match> match = reversed.match(List.of("webhook", "list"));

    assertThat(match).map(CommandTable.Match::command).contains(WEBHOOK_LIST);
  }

  /** Unknown words, part of a multi-word command, and no words at all. */
  static Stream<List<String>> wordsOfNoCommand() {
    return Stream.of(List.of("frobnicate"), List.of("github"), List.of());
  }

  @ParameterizedTest
  @MethodSource("wordsOfNoCommand")
  void wordsOfNoCommandDoNotMatch(List<String> words) {
    Optional<CommandTable.Match> match = table.match(words);

    assertThat(match).isEmpty();
  }

  @Test
  void duplicateCommandsAreRejected() {
    assertThatThrownBy(
            () ->
                new CommandTable(
                    List.of(WEBHOOK, command("webhook", "", "generic", PermissionLevel.ADMIN))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("webhook");
  }

  @Test
  void duplicatesDifferingOnlyInCaseAreRejected() {
    assertThatThrownBy(
            () ->
                new CommandTable(
                    List.of(
                        WEBHOOK_LIST,
                        command("Webhook LIST", "", "generic", PermissionLevel.ADMIN))))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void helpListsAllowedCommandsWithUsageAndHelpText() {
    String help = table.help("!grapple", c -> true, Optional.empty(), TestNames.NAMES);

    assertThat(help)
        .contains("- `!grapple webhook <name> [duration]` — Help for webhook")
        .contains("- `!grapple webhook list` — Help for webhook list");
  }

  @Test
  void helpLeavesOutCommandsThatAreNotAllowed() {
    String help =
        table.help("!grapple", CommandTableTest::commandsLevel, Optional.empty(), TestNames.NAMES);

    assertThat(help)
        .contains("`!grapple webhook list`", "`!grapple feed list [json|yaml]`")
        .doesNotContain(
            "`!grapple webhook <name>", "`!grapple feed <url>", "github repo", "webhook remove");
  }

  @Test
  void helpUsesThePrefixItIsGiven() {
    String help = table.help("!hookshot", c -> true, Optional.empty(), TestNames.NAMES);

    assertThat(help).contains("`!hookshot feed list [json|yaml]`").doesNotContain("!grapple");
  }

  @Test
  void helpListsCommandsAlphabetically() {
    String help = table.help("!grapple", c -> true, Optional.empty(), TestNames.NAMES);

    assertThat(help)
        .containsSubsequence(
            "`!grapple feed <url>",
            "`!grapple feed list",
            "`!grapple github repo",
            "`!grapple webhook <name>",
            "`!grapple webhook list",
            "`!grapple webhook remove");
  }

  /** A service named as help's argument (an alias, any case): what help shows and leaves out. */
  static Stream<Arguments> helpForOneService() {
    return Stream.of(
        Arguments.of("github", List.of("github repo"), List.of("webhook", "feed")),
        Arguments.of("GitHub", List.of("github repo"), List.of("webhook", "feed")),
        Arguments.of(
            "webhooks",
            List.of("`!grapple webhook list`", "`!grapple webhook remove <name>`"),
            List.of("feed", "github")),
        Arguments.of(
            "feed",
            List.of("`!grapple feed <url> [label] [template]`", "`!grapple feed list [json|yaml]`"),
            List.of("webhook", "github")));
  }

  @ParameterizedTest
  @MethodSource("helpForOneService")
  void helpForAServiceListsOnlyThatServicesCommands(
      String service, List<String> shown, List<String> leftOut) {
    String help = table.help("!grapple", c -> true, Optional.of(service), TestNames.NAMES);

    assertThat(help).contains(shown).doesNotContain(leftOut.toArray(String[]::new));
  }

  @Test
  void helpSaysSoWhenNothingIsAllowed() {
    String help = table.help("!grapple", c -> false, Optional.empty(), TestNames.NAMES);

    assertThat(help).isEqualTo("There are no commands you can use here.");
  }

  @Test
  void helpForAServiceSaysSoWhenNothingIsAllowed() {
    String help =
        table.help(
            "!grapple", CommandTableTest::commandsLevel, Optional.of("github"), TestNames.NAMES);

    assertThat(help).isEqualTo("No commands for `github` that you can use here.");
  }

  @Test
  void aCommandWithoutArgumentsHasAUsageLineOfItsWords() {
    assertThat(WEBHOOK_LIST.usageLine("!grapple")).isEqualTo("!grapple webhook list");
  }

  @Test
  void aCommandsUsageLineEndsWithItsArguments() {
    assertThat(WEBHOOK.usageLine("!grapple")).isEqualTo("!grapple webhook <name> [duration]");
  }

  /** Whether {@code c} is a command of the lowest level, which every member may use. */
  private static boolean commandsLevel(Command c) {
    return c.level() == PermissionLevel.COMMANDS;
  }

  private static Command command(
      String words, String usage, String service, PermissionLevel level) {
    return new Command(
        words, usage, "Help for " + words, service, level, call -> Reply.text("ran " + words));
  }
}
