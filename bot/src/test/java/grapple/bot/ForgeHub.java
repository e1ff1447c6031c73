package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.BadInput;
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
    return start(dir, service, yaml, Clock.systemUTC());
  }

  /** As above, the service telling the time by {@code clock} (e.g. a FakeClock). */
  static TestHub start(Path dir, Service service, String yaml, Clock clock) {
    TestHub hub = new TestHub(dir, List.of(service), yaml, TestHub.EVERYONE_ADMIN, clock);
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
   * Hand-written room state is read leniently, but a change through the API or JSON-RPC has its
   * hook names checked as hookshot's provisioning checks them: Alice writes {@code content} (of
   * {@code eventType}) with the hooks {@code known} and {@code not-a-hook}, and the connection
   * takes it; a change to the hooks {@code unknown} is refused naming it, and changes nothing.
   */
  static void assertUnknownHookRefusedOnChangeOnly(
      TestHub hub,
      String eventType,
      String stateKey,
      ObjectNode content,
      String known,
      String unknown) {
    content.putArray("enableHooks").add(known).add("not-a-hook");
    hub.state(eventType, stateKey, ALICE, content);
    Active connection = hub.connections.inRoom(TestHub.ROOM).get(0);

    ObjectNode changed = connection.connection().config().deepCopy();
    changed.putArray("enableHooks").add(unknown);
    assertThatThrownBy(() -> hub.changes.update(connection, changed, Changes.Actor.user(ALICE)))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("'enableHooks' must only contain allowed values")
        .hasMessageContaining("`" + unknown + "`");
    assertThat(hub.connections.inRoom(TestHub.ROOM).get(0).connection().config().get("enableHooks"))
        .hasToString("[\"" + known + "\",\"not-a-hook\"]");
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

  /**
   * {@code <service> <noun> list} and {@code <service> <noun> remove <url>}, as the contract writes
   * them, answer as {@code <service> list} and {@code <service> remove} do (they were read as
   * {@code <service> <noun> <url>} with the URL "list"); help names only the latter.
   */
  static void assertContractOrderListAndRemove(TestHub hub, String service, String noun)
      throws InterruptedException {
    String list = hub.reply(TestHub.ROOM, ALICE, "!grapple " + service + " list");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple " + service + " " + noun + " list"))
        .isEqualTo(list);
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple " + service + " " + noun + " remove"))
        .isEqualTo("Missing <url>. Usage: `!grapple " + service + " " + noun + " remove <url>`");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple help " + service))
        .contains(service + " list", service + " remove")
        .doesNotContain(noun + " list", noun + " remove");
  }
}
