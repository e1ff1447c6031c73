package grapple.bot;

import static grapple.bot.ForgeHub.ALICE;
import static grapple.bot.ForgeHub.BOB;
import static grapple.bot.ForgeHub.DM;
import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.github.GithubService;
import grapple.testing.github.FakeGithub;
import grapple.testing.github.GithubAppKey;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The github service with a GitHub App configured (its key in a PKCS#1 file): installation checks
 * and tokens.
 */
class GithubAppServiceTest {
  private static final GithubAppKey KEY = GithubAppKey.generate();
  private static final String TOKEN = "ghp_alice_token_000000000000000000000";

  @TempDir Path dir;
  @AutoClose private FakeGithub github;
  @AutoClose private TestHub hub;

  @BeforeEach
  void start() throws Exception {
    github = FakeGithub.start();
    github.app(42, KEY).slug("grapple-test");
    github.user("alice").token(TOKEN);
    github.repo("o/r").permission("alice", "write");
    github.repo("o/noapp").permission("alice", "write");
    github.installation(7, "o").repos("o/r");
    Path key = Files.writeString(dir.resolve("app.pem"), KEY.pkcs1Pem());
    String app = ", app: {id: 42, slug: grapple-test, privateKeyFile: '" + key + "'}";
    hub =
        ForgeHub.start(
            dir, new GithubService(), ForgeHub.githubYaml(github, "webhook-secret-0123", app));
    assertThat(hub.reply(DM, ALICE, "github setpersonaltoken " + TOKEN))
        .isEqualTo("Connected as `alice`. Token stored.");
  }

  @Test
  void followingARepoTheAppIsNotInstalledOnSaysWhereToInstallIt() throws Exception {
    String answer =
        hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/noapp");

    assertThat(answer)
        .contains("The GitHub App is not installed on `o/noapp`")
        .contains(github.webUrl() + "/apps/grapple-test/installations/new");
    assertThat(hub.gateway.stateWrites()).isEmpty();
  }

  @Test
  void followingARepoTheAppIsInstalledOnWorks() throws Exception {
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r"))
        .isEqualTo("Room configured to bridge `o/r`");
    assertThat(github.requestsTo("GET", "/repos/o/r/installation"))
        .singleElement()
        .satisfies(call -> assertThat(call.header("Authorization")).startsWith("Bearer eyJ"));
  }

  @Test
  void installingTheAppAfterARefusalLetsTheNextTryThrough() throws Exception {
    assertThat(
            hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/noapp"))
        .contains("not installed");
    github.installation(7, "o").repos("o/noapp");

    assertThat(
            hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/noapp"))
        .isEqualTo("Room configured to bridge `o/noapp`");
  }

  @Test
  void hotlinksUseTheInstallationTokenForSomeoneWhoLinkedNothing() throws Exception {
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r"))
        .isEqualTo("Room configured to bridge `o/r`");
    int number = github.repo("o/r").issue("Broken thing", "alice");

    String answer = hub.reply(TestHub.ROOM, BOB, "what about #" + number + "?");

    assertThat(answer)
        .isEqualTo(
            "Issue [#" + number + "](" + github.issueUrl("o/r", number) + "): Broken thing (open)");
    assertThat(github.requestsTo("GET", "/repos/o/r/issues/" + number))
        .singleElement()
        .satisfies(call -> assertThat(call.header("Authorization")).startsWith("Bearer ghs_"));
  }
}
