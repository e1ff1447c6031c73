package grapple.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import grapple.state.BadInput;
import grapple.state.MessageException;
import grapple.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DispatcherTest {
  private static final String ROOM = "!room:example.org";
  private static final String BOT = "@grapple:example.org";
  private static final String ADMIN = "@admin:example.org";
  private static final String USER = "@user:example.org";
  private static final String STRANGER = "@stranger:elsewhere.net";
  private static final String HOOK_EVENT = "uk.half-shot.matrix-hookshot.generic.hook";

  private final FakeClock clock = new FakeClock(Instant.parse("2024-05-01T12:00:00Z"));
  private final FakeRoomAuthority authority = new FakeRoomAuthority();
  private final List<Invocation> calls = new ArrayList<>();
  private final Dispatcher dispatcher =
      new Dispatcher(
          commands(),
          permissions(),
          new Dispatcher.Settings(List.of("!grapple", "!hookshot"), BOT),
          authority,
          clock);

  @Test
  void ordinaryChatIsIgnored() {
    Optional<Dispatcher.Outcome> outcome = dispatcher.handle(ROOM, USER, "$e1", "hello there");

    assertThat(outcome).isEmpty();
  }

  @Test
  void ordinaryChatFromAStrangerIsIgnored() {
    Optional<Dispatcher.Outcome> outcome = dispatcher.handle(ROOM, STRANGER, "$e1", "hello there");

    assertThat(outcome).isEmpty();
  }

  /** Commands and the whole reply each gets: who sends it, what they type, the reply. */
  static Stream<Arguments> replies() {
    return Stream.of(
        arguments(
            "runs the matching command",
            ADMIN,
            "!grapple webhook ci",
            Reply.text("Webhook `ci` created.")),
        arguments(
            "runs commands typed with the other prefix",
            USER,
            "!hookshot webhook list",
            Reply.text("No webhooks yet.")),
        arguments(
            "a grant for the service alias is enough",
            "@hooker:example.org",
            "!grapple webhook ci",
            Reply.text("Webhook `ci` created.")),
        arguments(
            "a handler's BadInput becomes an error reply with its message",
            ADMIN,
            "!grapple feed ftp://example.org/feed",
            Reply.error("'url' must start with https://, was 'ftp://example.org/feed'")),
        arguments(
            "a refusal worded for the sender is said as it is, not as a crash",
            ADMIN,
            "!grapple moved",
            Reply.error("Webhook `ci` is moving to `!new`; send your change there.")),
        arguments(
            "a mistyped command suggests the command it is a typo of",
            ADMIN,
            "!grapple wehbook ci",
            Reply.error(
                "Unknown command `wehbook`. Did you mean `webhook`?"
                    + " Type `!grapple help` for the commands you can use.")),
        arguments(
            "a command missing its last word suggests the commands it starts",
            ADMIN,
            "!grapple github",
            Reply.error(
                "Unknown command `github`. Did you mean `github setpersonaltoken`?"
                    + " Type `!grapple help` for the commands you can use.")),
        arguments(
            "a missing argument is named with the usage",
            ADMIN,
            "!grapple webhook",
            Reply.error("Missing <name>. Usage: `!grapple webhook <name> [duration]`")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("replies")
  void answersWithTheReply(String rule, String sender, String typed, Reply expected) {
    Reply reply = reply(sender, typed);

    assertThat(reply).isEqualTo(expected);
  }

  /** Commands answered with an error: who sends it, what they type, what the error names. */
  static Stream<Arguments> errors() {
    return Stream.of(
        arguments(
            "a stranger gets one refusal",
            STRANGER,
            "!grapple help",
            List.of(STRANGER, "permission")),
        arguments(
            "an insufficient level names the level and the service",
            USER,
            "!grapple webhook ci",
            List.of("manageConnections", "generic", "`webhook`")),
        arguments(
            "a service grant does not reach other services",
            "@feeder:example.org",
            "!grapple webhook ci",
            List.of("manageConnections", "generic")),
        arguments(
            "a handler's crash becomes an error reply",
            ADMIN,
            "!grapple crash",
            List.of("`crash`")),
        arguments(
            "an unclosed quote is an error reply",
            ADMIN,
            "!grapple webhook \"ci",
            List.of("unclosed")),
        arguments(
            "an unknown command is named and points to help",
            USER,
            "!grapple frobnicate now",
            List.of("Unknown command `frobnicate`.", "`!grapple help`")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void answersWithAnErrorNaming(String rule, String sender, String typed, List<String> named) {
    Reply reply = reply(sender, typed);

    assertThat(reply.isError()).isTrue();
    assertThat(reply.markdown()).contains(named.toArray(String[]::new));
  }

  /** Who sends what, what the answer says and what it leaves out. */
  static Stream<Arguments> answerTexts() {
    return Stream.of(
        arguments(
            "a handler's crash does not show its message in the room",
            ADMIN,
            "!grapple crash",
            List.of(),
            List.of("token=s3cret")),
        arguments(
            "a word far from every command gets no suggestion",
            ADMIN,
            "!grapple frobnicate",
            List.of(),
            List.of("Did you mean")),
        arguments(
            "a command the sender may use is suggested",
            ADMIN,
            "!grapple fede https://example.org",
            List.of("Did you mean `feed`?"),
            List.of()),
        arguments(
            "a command the sender may not use is not suggested",
            USER,
            "!grapple fede https://example.org",
            List.of(),
            List.of("Did you mean")),
        arguments(
            "an unknown command points to help with the prefix used",
            USER,
            "!hookshot frobnicate",
            List.of("`!hookshot help`"),
            List.of()),
        arguments(
            "help leaves out commands the sender may not use",
            USER,
            "!grapple help",
            List.of(),
            List.of("`!grapple webhook <name>", "`!grapple feed <url>", "crash")),
        arguments(
            "help shows everything to an admin",
            ADMIN,
            "!grapple help",
            List.of(
                "`!grapple webhook <name> [duration]`",
                "`!grapple feed <url>`",
                "`!grapple webhook list`",
                "`!grapple crash`"),
            List.of()),
        arguments(
            "help for a service alias lists that service only",
            ADMIN,
            "!grapple help feed",
            List.of("`!grapple feed <url>`"),
            List.of("webhook")),
        arguments(
            "help uses the prefix the sender typed",
            USER,
            "!hookshot help",
            List.of("`!hookshot webhook list`"),
            List.of("!grapple")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answerTexts")
  void theAnswerSaysAndLeavesOut(
      String rule, String sender, String typed, List<String> says, List<String> leavesOut) {
    String answer = reply(sender, typed).markdown();

    assertThat(says).allSatisfy(part -> assertThat(answer).contains(part));
    assertThat(leavesOut).allSatisfy(part -> assertThat(answer).doesNotContain(part));
  }

  @Test
  void theHandlerSeesWhereTheCommandCameFromAndItsArguments() {
    dispatcher.handle(ROOM, ADMIN, "$e42", "!GRAPPLE Webhook \"My Hook\" 30d");

    assertThat(calls)
        .singleElement()
        .satisfies(
            call -> {
              assertThat(call.roomId()).isEqualTo(ROOM);
              assertThat(call.sender()).isEqualTo(ADMIN);
              assertThat(call.eventId()).isEqualTo("$e42");
              assertThat(call.prefix()).isEqualTo("!grapple");
              assertThat(call.args()).containsExactly("My Hook", "30d");
            });
  }

  @Test
  void directMessagesFromTheHandlerComeBackWithTheReply() {
    Optional<Dispatcher.Outcome> outcome =
        dispatcher.handle(ROOM, ADMIN, "$e1", "!grapple webhook ci");

    assertThat(outcome)
        .map(Dispatcher.Outcome::directMessages)
        .contains(List.of("Send your webhook to https://hooks.example.org/secret"));
  }

  @Test
  void aStrangerGetsNothingMoreWithinAMinute() {
    dispatcher.handle(ROOM, STRANGER, "$e1", "!grapple help");
    clock.advance(Duration.ofSeconds(59));

    Optional<Dispatcher.Outcome> outcome =
        dispatcher.handle(ROOM, STRANGER, "$e2", "!grapple webhook ci");

    assertThat(outcome).isEmpty();
  }

  /** Each account of a hostile server is refused once; the bot does not remember them all. */
  @Test
  void refusalsOlderThanAMinuteAreForgotten() {
    for (int i = 0; i < 50; i++)
      dispatcher.handle(ROOM, "@sock" + i + ":evil.net", "$e" + i, "!grapple help");
    clock.advance(Duration.ofSeconds(61));

    Optional<Dispatcher.Outcome> outcome =
        dispatcher.handle(ROOM, "@sock50:evil.net", "$e50", "!grapple help");

    assertThat(outcome).isPresent();
    assertThat(dispatcher.refusalsRemembered()).isEqualTo(1);
  }

  @Test
  void aStrangerGetsAnotherRefusalAfterAMinute() {
    dispatcher.handle(ROOM, STRANGER, "$e1", "!grapple help");
    clock.advance(Duration.ofSeconds(59));
    dispatcher.handle(ROOM, STRANGER, "$e2", "!grapple help");
    clock.advance(Duration.ofSeconds(1));

    Optional<Dispatcher.Outcome> outcome =
        dispatcher.handle(ROOM, STRANGER, "$e3", "!grapple help");

    assertThat(outcome).map(o -> o.reply().isError()).contains(true);
  }

  @Test
  void theRefusalLimitIsPerRoom() {
    dispatcher.handle(ROOM, STRANGER, "$e1", "!grapple help");

    Optional<Dispatcher.Outcome> outcome =
        dispatcher.handle("!other:example.org", STRANGER, "$e2", "!grapple help");

    assertThat(outcome).isPresent();
  }

  @Test
  void theRefusalLimitIsPerSender() {
    dispatcher.handle(ROOM, STRANGER, "$e1", "!grapple help");

    Optional<Dispatcher.Outcome> outcome =
        dispatcher.handle(ROOM, "@other:elsewhere.net", "$e2", "!grapple help");

    assertThat(outcome).isPresent();
  }

  @Test
  void aStrangersCommandNeverRuns() {
    dispatcher.handle(ROOM, STRANGER, "$e1", "!grapple webhook ci");

    assertThat(calls).isEmpty();
  }

  @Test
  void aStrangersUnclosedQuotesAreRefusedAtMostOncePerMinuteToo() {
    dispatcher.handle(ROOM, STRANGER, "$e1", "!grapple help");

    Optional<Dispatcher.Outcome> outcome =
        dispatcher.handle(ROOM, STRANGER, "$e2", "!grapple feed \"oops");

    assertThat(outcome).isEmpty();
  }

  /**
   * A stranger's token-looking command was answered "Never send a token in a room" every time,
   * bypassing the once-a-minute limit of their other refusals: anyone could make the bot post at
   * will. It is still redacted; it is answered at most once a minute.
   */
  @Test
  void aStrangersTokenCommandsAreRefusedAtMostOncePerMinuteToo() {
    String token = "ghp_0123456789abcdef0123456789abcdef01";
    dispatcher.handle(ROOM, STRANGER, "$e1", "!grapple help");

    Optional<Dispatcher.Outcome> prefixed =
        dispatcher.handle(ROOM, STRANGER, "$e2", "!grapple github setpersonaltoken " + token);
    Optional<Dispatcher.Outcome> stray =
        dispatcher.handle(ROOM, STRANGER, "$e3", "github setpersonaltoken " + token);
    clock.advance(Duration.ofSeconds(60));
    Optional<Dispatcher.Outcome> later =
        dispatcher.handle(ROOM, STRANGER, "$e4", "github setpersonaltoken " + token);

    assertThat(prefixed).isEmpty();
    assertThat(stray).isEmpty();
    assertThat(dispatcher.holdsSecret("github setpersonaltoken " + token, false)).isTrue();
    assertThat(later.orElseThrow().redact()).isTrue();
    assertThat(later.orElseThrow().reply()).isEqualTo(Reply.error(Dispatcher.SECRET_IN_ROOM));
  }

  /**
   * The reply named every word typed: a mistyped token command ({@code setpersonaltokn}) had its
   * token repeated by the bot, in a reply that stays whatever happens to the message it answers.
   */
  @Test
  void anUnknownCommandIsNamedByItsCommandWordsNeverItsArguments() {
    String token = "ghp_0123456789abcdef0123456789abcdef01";

    Reply mistyped = replyInDirectChat("!grapple github setpersonaltokn " + token);
    Reply noVerb = replyInDirectChat("!grapple github " + token);
    Reply onlyToken = replyInDirectChat("!grapple " + token);

    assertThat(mistyped.markdown())
        .startsWith(
            "Unknown command `github setpersonaltokn`. Did you mean `github setpersonaltoken`?")
        .doesNotContain(token);
    assertThat(noVerb.markdown()).startsWith("Unknown command `github`.").doesNotContain(token);
    assertThat(onlyToken.markdown()).startsWith("Unknown command. Type").doesNotContain(token);
  }

  /**
   * In a direct chat a command needs no prefix; one whose quote was left open is answered with what
   * is wrong, as it is with the prefix. It was taken for chat and answered with nothing.
   */
  @Test
  void aCommandWithAnOpenQuoteInADirectChatIsAnsweredWithoutThePrefixToo() {
    String body = "webhook \"My Hook 30d";

    assertThat(dispatcher.isCommand(body, true)).isTrue();
    assertThat(replyInDirectChat(body).markdown())
        .startsWith("The command has an unclosed \" quote.");
    assertThat(dispatcher.isCommand("hello \"there", true)).isFalse();
    assertThat(dispatcher.handleDirect(ROOM, ADMIN, "$chat", "hello \"there")).isEmpty();
  }

  private Reply replyInDirectChat(String body) {
    Optional<Dispatcher.Outcome> outcome = dispatcher.handleDirect(ROOM, ADMIN, "$event", body);
    assertThat(outcome).as("an answer to %s", body).isPresent();
    return outcome.get().reply();
  }

  @Test
  void aCommandMissingWordsOfSeveralCommandsNamesThemAll() {
    List<Command> jira = new ArrayList<>();
    for (String words : List.of("jira list project", "jira remove project", "jira project"))
      jira.add(
          new Command(words, "", "x", "jira", PermissionLevel.COMMANDS, c -> Reply.text("ran")));
    Dispatcher withJira =
        new Dispatcher(
            jira,
            permissions(),
            new Dispatcher.Settings(List.of("!grapple"), BOT),
            authority,
            clock);

    assertThat(withJira.handle(ROOM, USER, "$e", "!grapple jira").orElseThrow().reply().markdown())
        .startsWith(
            "Unknown command `jira`. Did you mean one of `jira list project`, `jira project` or"
                + " `jira remove project`?");
  }

  @Test
  void aCommandOfAServiceThatIsOffSaysSoAsHookshotDoesAndNamesItsConfigKey() {
    Dispatcher withGithubOff =
        new Dispatcher(
            commands(),
            permissions(),
            new Dispatcher.Settings(
                List.of("!grapple"),
                BOT,
                Map.of(
                    "github",
                    new Dispatcher.Off("GitHub", "github.enabled"),
                    "gh",
                    new Dispatcher.Off("GitHub", "github.enabled"))),
            authority,
            clock);

    Optional<Dispatcher.Outcome> outcome =
        withGithubOff.handle(ROOM, USER, "$e1", "!grapple GitHub repo https://github.com/o/r");
    Optional<Dispatcher.Outcome> typo =
        withGithubOff.handle(ROOM, ADMIN, "$e2", "!grapple wehbook ci");
    Optional<Dispatcher.Outcome> help = withGithubOff.handle(ROOM, USER, "$e3", "!grapple help gh");

    Reply off =
        Reply.error(
            "The bridge is not configured to support GitHub. The bot's operator can turn it on with"
                + " `github.enabled: true` in Grapple's config.");
    assertThat(outcome.orElseThrow().reply()).isEqualTo(off);
    assertThat(help.orElseThrow().reply()).isEqualTo(off);
    assertThat(typo.orElseThrow().reply().markdown()).contains("Did you mean `webhook`?");
  }

  @Test
  void anInsufficientLevelDoesNotRunTheHandler() {
    reply(USER, "!grapple webhook ci");

    assertThat(calls).isEmpty();
  }

  /**
   * A mistyped service was answered "No commands for `githb` that you can use here", as if the
   * sender lacked a permission.
   */
  @Test
  void helpForANameThatIsNoServiceSaysSoAndSuggestsTheNearest() {
    assertThat(reply(USER, "!grapple help githb"))
        .isEqualTo(
            Reply.error(
                "There is no service `githb`. Did you mean `!grapple help github`? Type"
                    + " `!grapple help` for every command you can use here."));
    assertThat(reply(USER, "!grapple help Webhooks").markdown())
        .as("an alias is a service's name")
        .contains("`!grapple webhook list`");
    assertThat(reply(USER, "!grapple help feeds").markdown())
        .as("a service whose commands the sender may not use")
        .isEqualTo("No commands for `feeds` that you can use here.");
  }

  @Test
  void helpWorksWithTheCommandsLevel() {
    Reply reply = reply(USER, "!grapple help");

    assertThat(reply.isError()).isFalse();
    assertThat(reply.markdown()).contains("`!grapple help [service]`", "`!grapple webhook list`");
  }

  @Test
  void thePrefixAloneShowsHelp() {
    Reply reply = reply(USER, "!grapple");

    assertThat(reply).isEqualTo(reply(USER, "!grapple help"));
  }

  static Stream<Arguments> tooManyArguments() {
    return Stream.of(
        arguments(USER, "!grapple help feeds github", "`!grapple help [service]`"),
        arguments(ADMIN, "!grapple webhook ci 30d extra", "`!grapple webhook <name> [duration]`"));
  }

  /** Help, like any command, refuses more arguments than its usage names. */
  @ParameterizedTest
  @MethodSource("tooManyArguments")
  void tooManyArgumentsAreRefusedWithTheUsage(String sender, String typed, String usage) {
    Reply reply = reply(sender, typed);

    assertThat(reply.isError()).isTrue();
    assertThat(reply.markdown()).startsWith("Too many arguments").contains(usage);
  }

  static Stream<Arguments> stateRefusals() {
    return Stream.of(
        arguments(
            ADMIN,
            "You need power level 50 to change room settings here; you have 0.",
            "You need power level 50 to change room settings here; you have 0."),
        arguments(
            BOT,
            "the bot needs power level 50; it has 0.",
            "I can't do that here: the bot needs power level 50; it has 0."));
  }

  /** The sender's refusal is given as the room authority words it; the bot's says it is the bot. */
  @ParameterizedTest
  @MethodSource("stateRefusals")
  void whoeverMayNotSendTheStateIsRefusedWithTheReason(
      String refused, String reason, String answer) {
    authority.refuse(refused, reason);

    Reply reply = reply(ADMIN, "!grapple webhook ci");

    assertThat(reply).isEqualTo(Reply.error(answer));
  }

  @Test
  void theSenderIsCheckedBeforeTheBot() {
    authority.refuse(ADMIN, "sender too low");
    authority.refuse(BOT, "bot too low");

    Reply reply = reply(ADMIN, "!grapple webhook ci");

    assertThat(reply.markdown()).isEqualTo("sender too low");
  }

  @Test
  void powerLevelsAreCheckedForTheSenderThenTheBotInThisRoom() {
    reply(ADMIN, "!grapple webhook ci");

    assertThat(authority.asked())
        .containsExactly(
            ADMIN + " " + HOOK_EVENT + " in " + ROOM, BOT + " " + HOOK_EVENT + " in " + ROOM);
  }

  @Test
  void aPowerLevelRefusalSendsNoDirectMessage() {
    authority.refuse(BOT, "bot too low");

    Optional<Dispatcher.Outcome> outcome =
        dispatcher.handle(ROOM, ADMIN, "$e1", "!grapple webhook ci");

    assertThat(outcome).map(Dispatcher.Outcome::directMessages).contains(List.of());
  }

  @Test
  void theTableIncludesHelp() {
    assertThat(dispatcher.table().match(List.of("help"))).isPresent();
  }

  private Reply reply(String sender, String body) {
    Optional<Dispatcher.Outcome> outcome = dispatcher.handle(ROOM, sender, "$event", body);
    assertThat(outcome).as("an answer to %s from %s", body, sender).isPresent();
    return outcome.get().reply();
  }

  @Test
  void aFailedCommandSendsNoPrivateMessages() {
    Dispatcher.Outcome outcome =
        dispatcher.handle(ROOM, ADMIN, "$e1", "!grapple half").orElseThrow();

    assertThat(outcome.reply().isError()).isTrue();
    assertThat(outcome.directMessages()).isEmpty();
  }

  /**
   * A token sent in a room is refused and redacted, and so is one behind a stray quote: that made
   * the message unparseable, and it was answered "unclosed quote" and left in the room, token and
   * all.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "!grapple github setpersonaltoken ghp_abc",
        "!grapple github setpersonaltoken \"ghp_abc"
      })
  void aTokenSentInARoomIsRefusedAndRedacted(String body) {
    Dispatcher.Outcome outcome = dispatcher.handle(ROOM, ADMIN, "$e1", body).orElseThrow();

    assertThat(outcome.redact()).isTrue();
    assertThat(outcome.reply()).isEqualTo(Reply.error(Dispatcher.SECRET_IN_ROOM));
    assertThat(calls).isEmpty();
  }

  /** So with a zero-width space before the prefix (the words were read one character off). */
  @Test
  void aTokenWithAStrayQuoteAfterAnInvisiblePrefixIsRefusedAndRedactedToo() {
    String body = "\u200B!grapple github setpersonaltoken \"ghp_abc";

    assertThat(dispatcher.holdsSecret(body, false)).isTrue();
    Dispatcher.Outcome outcome = dispatcher.handle(ROOM, ADMIN, "$e1", body).orElseThrow();
    assertThat(outcome.redact()).isTrue();
    assertThat(calls).isEmpty();
  }

  /**
   * A token given with a typo in the command, or on a wrong prefix, was as much in the room as one
   * given right; it was answered "Unknown command" (or not at all) and left there, and went on to
   * the room's outbound hooks.
   */
  @ParameterizedTest
  @MethodSource("mistypedTokenCommands")
  void aMistypedTokenCommandInARoomIsRefusedAndRedactedAsTheRealOneIs(String body) {
    assertThat(dispatcher.isCommand(body, false)).isTrue();
    assertThat(dispatcher.holdsSecret(body, false)).isTrue();
    Dispatcher.Outcome outcome = dispatcher.handle(ROOM, USER, "$e1", body).orElseThrow();

    assertThat(outcome.redact()).isTrue();
    assertThat(outcome.reply()).isEqualTo(Reply.error(Dispatcher.SECRET_IN_ROOM));
  }

  static Stream<String> mistypedTokenCommands() {
    String token = "ghp_0123456789abcdef0123456789abcdef01";
    return Stream.of(
        "!grapple github setpersonaltokn " + token,
        "!hookshot Githb setpersonaltoken " + token,
        "!grapple setpersonaltoken " + token,
        "!gh setpersonaltoken " + token,
        "!grapel github setpersonaltoken " + token,
        "github setpersonaltoken " + token,
        "github setpersonaltoken \"" + token);
  }

  /** What looks like a token command with no token, or another command, is left alone. */
  @Test
  void aMessageThatOnlyMentionsATokenCommandIsNotTakenForOne() {
    assertThat(dispatcher.holdsSecret("!grapple github setpersonaltokn", false)).isFalse();
    assertThat(dispatcher.holdsSecret("!grapple gihub status now", false)).isFalse();
    assertThat(dispatcher.isCommand("github setpersonaltoken is what you send me", false))
        .isFalse();
    assertThat(dispatcher.isCommand("!gh create a short title", false)).isFalse();
    assertThat(
            dispatcher.isCommand(
                "setpersonaltoken is explained at https://example.org/docs/linking-accounts",
                false))
        .isFalse();
    assertThat(
            dispatcher.isCommand(
                "github setpersonaltoken takes one word: ghp_0123456789abcdef0123456789", false))
        .isFalse();
    assertThat(dispatcher.holdsSecret("!grapple webhook ci", false)).isFalse();
    assertThat(dispatcher.holdsSecretInRoom("!grapple github setpersonaltokn ghp_abc", true))
        .as("in a direct chat a token is welcome")
        .isFalse();
  }

  /** What waits for its answer sealed: a command that gives a secret, wherever it was sent. */
  @Test
  void aCommandGivingASecretIsKnownInADirectChatWithOrWithoutThePrefixAndBehindAStrayQuote() {
    assertThat(dispatcher.holdsSecret("github setpersonaltoken ghp_abc", true)).isTrue();
    assertThat(dispatcher.holdsSecret("!grapple github setpersonaltoken ghp_abc", true)).isTrue();
    assertThat(dispatcher.holdsSecret("github setpersonaltoken \"ghp_abc", true)).isTrue();
    assertThat(dispatcher.holdsSecret("!grapple github setpersonaltoken 'ghp_abc", false)).isTrue();
    assertThat(dispatcher.holdsSecretInRoom("!grapple github setpersonaltoken ghp_abc", true))
        .as("in a direct chat a token is welcome")
        .isFalse();

    assertThat(dispatcher.holdsSecret("github setpersonaltoken ghp_abc", false))
        .as("no prefix in a room: not a command")
        .isFalse();
    assertThat(dispatcher.holdsSecret("github setpersonaltoken", true))
        .as("asking for its usage gives nothing away")
        .isFalse();
    assertThat(dispatcher.holdsSecret("!grapple webhook ci", true)).isFalse();
  }

  private List<Command> commands() {
    return List.of(
        new Command(
            "webhook",
            "<name> [duration]",
            "Create an inbound webhook",
            "generic",
            PermissionLevel.MANAGE_CONNECTIONS,
            this::createWebhook),
        new Command(
            "webhook list",
            "",
            "List webhooks",
            "webhooks",
            PermissionLevel.COMMANDS,
            call -> {
              call.requireAtMost(0);
              return Reply.text("No webhooks yet.");
            }),
        new Command(
            "feed",
            "<url>",
            "Follow a feed",
            "feeds",
            PermissionLevel.MANAGE_CONNECTIONS,
            call -> {
              String url = call.arg(0, "url");
              BadInput.check(
                  url.startsWith("https://"), "url", "must start with https://, was '%s'", url);
              return Reply.text("Following %s", url);
            }),
        new Command(
                "github setpersonaltoken",
                "<token>",
                "Store a GitHub token",
                "github",
                PermissionLevel.LOGIN,
                call -> Reply.text("Token stored."))
            .withSecretArguments(),
        new Command(
            "crash",
            "",
            "Fails",
            "generic",
            PermissionLevel.ADMIN,
            call -> {
              throw new IllegalStateException("connection refused: token=s3cret");
            }),
        new Command(
            "overflow",
            "",
            "Overflows the stack",
            "generic",
            PermissionLevel.ADMIN,
            call -> {
              throw new StackOverflowError();
            }),
        new Command(
            "moved",
            "",
            "Refused: a change made meanwhile",
            "generic",
            PermissionLevel.ADMIN,
            call -> {
              throw new MessageException(
                  "Webhook `ci` is moving to `!new`; send your change there.") {
                private static final long serialVersionUID = 1L;
              };
            }),
        new Command(
            "half",
            "",
            "Queues a secret, then fails",
            "generic",
            PermissionLevel.ADMIN,
            call -> {
              call.directMessage("secret URL");
              throw new BadInput("half", "Half-done commands send nothing private.");
            }));
  }

  private Reply createWebhook(Invocation call) {
    calls.add(call);
    String name = call.arg(0, "name");
    call.requireAtMost(2);
    call.requireMaySendState(HOOK_EVENT);
    call.directMessage("Send your webhook to https://hooks.example.org/secret");
    return Reply.text("Webhook `%s` created.", name);
  }

  private static Permissions permissions() {
    return new Permissions(
        List.of(
            rule(ADMIN, "*", PermissionLevel.ADMIN),
            rule(USER, "*", PermissionLevel.COMMANDS),
            rule("@feeder:example.org", "feeds", PermissionLevel.MANAGE_CONNECTIONS),
            rule("@hooker:example.org", "webhooks", PermissionLevel.MANAGE_CONNECTIONS)),
        TestNames.NAMES);
  }

  private static PermissionRule rule(String actor, String service, PermissionLevel level) {
    return new PermissionRule(actor, List.of(new PermissionRule.ServiceLevel(service, level)));
  }

  @Test
  void aHandlerThatOverflowsTheStackIsAnsweredAsAFailureAndTheNextCommandRuns() {
    Reply failed = reply(ADMIN, "!grapple overflow");
    Reply next = reply(USER, "!grapple webhook list");

    assertThat(failed.isError()).isTrue();
    assertThat(failed.markdown()).contains("`overflow` failed: StackOverflowError");
    assertThat(next).isEqualTo(Reply.text("No webhooks yet."));
  }

  @Test
  void anUnknownCommandIsEchoedInACodeSpanItCannotClose() {
    Reply reply = reply(USER, "!grapple x` [Verify](https://evil.example) `y");

    assertThat(reply.markdown()).startsWith("Unknown command `` x` ``.").doesNotContain("Verify");
  }

  /**
   * A token command's failure is logged without any message in its cause chain: a library may quote
   * the token it was given (OkHttp's refusal of a header value quotes it whole), and the failure
   * was logged at ERROR with it.
   */
  @Test
  void aTokenCommandsFailureIsLoggedWithoutTheToken() {
    String token = "glpat-0123456789abcdefABCD";
    Command failing =
        new Command(
                "lab token",
                "<token>",
                "Stores a token",
                "*",
                PermissionLevel.COMMANDS,
                call -> {
                  throw new IllegalStateException(
                      "call failed",
                      new IllegalArgumentException("Unexpected char in PRIVATE-TOKEN: " + token));
                })
            .withSecretArguments();
    Dispatcher withFailing =
        new Dispatcher(
            List.of(failing),
            permissions(),
            new Dispatcher.Settings(List.of("!grapple"), BOT),
            authority,
            clock);
    grapple.testing.LogCapture logged = grapple.testing.LogCapture.of(Dispatcher.class);
    try (logged) {
      withFailing.handleDirect("!dm:example.org", ADMIN, "$t", "lab token " + token);
    }

    assertThat(logged.events()).hasSize(1);
    ch.qos.logback.classic.spi.ILoggingEvent line = logged.events().get(0);
    StringBuilder all = new StringBuilder(line.getFormattedMessage());
    for (ch.qos.logback.classic.spi.IThrowableProxy t = line.getThrowableProxy();
        t != null;
        t = t.getCause()) {
      all.append('\n').append(t.getClassName()).append(": ").append(t.getMessage());
    }
    assertThat(all.toString())
        .doesNotContain(token)
        .contains("lab token", "java.lang.IllegalArgumentException");
  }

  /**
   * A token command on a prefix that is not the bot's ({@code !gh}, a connection's) in the direct
   * chat is answered, so the user knows it did nothing; it was silently stored and never answered.
   */
  @Test
  void aTokenCommandOnAnotherPrefixInTheDirectChatIsAnswered() {
    Optional<Dispatcher.Outcome> outcome =
        dispatcher.handleDirect(
            "!dm:example.org", ADMIN, "$t", "!gh setpersonaltoken ghp_0123456789abcdef0123456789");

    assertThat(outcome).isPresent();
    assertThat(outcome.get().reply())
        .isEqualTo(
            Reply.error(
                "Unknown command `!gh`. Type `!grapple help` for the commands you can use."));
  }
}
