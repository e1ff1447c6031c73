package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.state.PeopleLinks;
import grapple.testing.github.FakeGithub;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The set-up the forge service tests share: Alice and Bob in {@link TestHub#ROOM}, their direct
 * chats with the bot, and a hub running one forge service.
 */
final class ForgeHub {
  static final String ALICE = "@alice:test";
  static final String BOB = "@bob:test";

  /** Alice's direct chat with the bot, where she links her account. */
  static final String DM = "!dm-alice:test";

  static final String BOBS_DM = "!dm-bob:test";

  /** How long a test waits for a notice or a reply. */
  static final Duration WAIT = Duration.ofSeconds(5);

  private ForgeHub() {}

  /**
   * A hub running {@code service} under {@code yaml}, everyone an admin, with Alice and Bob in the
   * room and Alice in her direct chat.
   */
  static TestHub start(Path dir, Service service, String yaml) {
    TestHub hub = new TestHub(dir, List.of(service), yaml, TestHub.EVERYONE_ADMIN);
    hub.joined(ALICE, BOB);
    hub.joinedIn(DM, ALICE);
    return hub;
  }

  /**
   * Alice sends {@code command}, which carries {@code token}, in the room: the bot refuses it
   * without repeating the token, and redacts her message.
   */
  static void assertTokenInTheRoomRefusedAndRedacted(TestHub hub, String command, String token)
      throws InterruptedException {
    String answer = hub.reply(TestHub.ROOM, ALICE, command);
    assertThat(answer).startsWith("Never send a token in a room").doesNotContain(token);
    assertThat(hub.gateway.membership())
        .anyMatch(m -> m.startsWith("redact " + TestHub.ROOM + " $cmd"));
  }

  /**
   * Links {@code matrixUser} to the GitHub account {@code login} as an administrator does (a people
   * link, no token).
   */
  static void githubLinkedByAnAdministrator(TestHub hub, String matrixUser, String login) {
    String link = "link-" + login;
    new PeopleLinks(hub.db, Clock.systemUTC())
        .create(
            link,
            List.of(new PeopleLinks.Identity(link, "github", "", matrixUser, login, null)),
            "key ops");
  }

  /**
   * The {@code github} section for {@code github} (its API and web URLs) with the webhook {@code
   * secret}; {@code more} adds keys (", key: value") to it.
   */
  static String githubYaml(FakeGithub github, String secret, String more) {
    return "github: {enabled: true, webhook: {secret: '"
        + secret
        + "'}, apiUrl: '"
        + github.apiUrl()
        + "', webUrl: '"
        + github.webUrl()
        + "'"
        + more
        + "}";
  }
}
