package grapple.bot.github;

import grapple.bot.AbstractService;
import grapple.bot.ServiceContext;
import grapple.bot.ServiceInfo;
import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.forge.Batches;
import grapple.bot.forge.ForgeRunning;
import grapple.bot.forge.Intake;
import grapple.bot.forge.OAuthCallback;
import grapple.bot.room.Messages;
import grapple.state.BadInput;
import grapple.state.Migration;
import grapple.state.OAuthStates;
import grapple.state.OutboxStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * GitHub ({@code github}, CONTRACT §10): rooms following repositories, GitHub's webhooks turned
 * into hookshot's notices, linked accounts (OAuth or personal tokens, sealed at rest), commands
 * that act on GitHub with the sender's account, and the seed's {@code /v1/github} routes.
 */
public final class GithubService extends AbstractService<GithubSettings> {
  static final String NAME = "github";
  private static final ServiceInfo INFO =
      new ServiceInfo(
          NAME,
          "GitHub",
          Set.of(),
          List.of(GithubRepos.TYPE),
          List.of(GithubRepos.EVENT_TYPE, GithubRepos.LEGACY_EVENT_TYPE),
          List.of("/oauth", "/account", "/orgs/{org}/repositories", "/repositories"));

  public GithubService() {
    super(INFO, GithubService::readSettings, GithubSettings.class);
  }

  /** Reads the section, and checks its {@code defaultOptions} as a connection's options. */
  private static GithubSettings readSettings(Section section, Config config) {
    GithubSettings settings = GithubSettings.read(section, config);
    try {
      GithubRepoConfig.checkDefaultOptions(settings.defaultOptions());
    } catch (BadInput e) {
      String named = NAME + ".defaultOptions: "; // the section puts the path in front itself
      section.problem(
          "defaultOptions",
          e.getMessage().startsWith(named)
              ? e.getMessage().substring(named.length())
              : e.getMessage());
    }
    return settings;
  }

  @Override
  public List<Migration> migrations() {
    return List.of(LinkMethods.STEP);
  }

  @Override
  protected Running run(GithubSettings github, ServiceContext context) {
    ForgeRunning.Base base = ForgeRunning.Base.of(NAME, context);
    GithubClient client = new GithubClient(github.apiUrl(), github.webUrl(), context.clock());
    Optional<AppTokens> app =
        github.app().map(a -> new AppTokens(a, client, context.clock(), context.database()));
    GithubParts parts =
        new GithubParts(
            github,
            client,
            new GithubAccounts(
                base.linked(),
                new LinkMethods(context.database()),
                base.people(),
                client,
                github,
                context.clock(),
                (user, text) -> context.outbox().directMessage(user, Messages.notice(text))),
            app,
            context);
    GithubRepos repos = new GithubRepos(parts, new RepoCommands(parts));
    OAuthStates states = new OAuthStates(context.database(), context.clock());
    GithubCommands commands = new GithubCommands(parts, repos, states);
    LabelBatches labels = new LabelBatches(context.database(), context.clock());
    GithubReceiver receiver =
        new GithubReceiver(parts, repos, base.deliveries(), labels, base.threads().receiving());
    return new ForgeRunning(
            base,
            repos,
            commands.commands(),
            routes -> {
              Intake.route(
                  routes,
                  "/github/webhook",
                  GithubReceiver.MAX_BODY_BYTES,
                  receiver::unsigned,
                  receiver::receive);
              OAuthCallback.route(
                  routes,
                  new OAuthCallback.Wording(NAME, "GitHub", "GitHub", "Connected as "),
                  parts.accounts()::linkCode,
                  context,
                  states);
              new GithubApi(parts, commands).routes(routes);
            },
            // The leader posts gathered label changes and refreshes expiring tokens.
            threads -> {
              threads.every(
                  Duration.ofSeconds(1),
                  Duration.ofSeconds(1),
                  "posting label changes",
                  () -> postDue(labels, repos, parts));
              threads.refreshTokensEvery5Minutes(parts.accounts()::refreshExpiring);
            })
        .withLoginLookup(new GithubLogins(client));
  }

  /** Posts every due label batch to the rooms following its repository; one pass. */
  private static void postDue(LabelBatches labels, GithubRepos repos, GithubParts parts) {
    for (LabelBatches.Batch batch : labels.due()) {
      List<OutboxStore.Draft> drafts =
          Intake.drafts(
              repos.following(batch.repo()),
              active ->
                  GithubMessages.render(
                      batch.event(),
                      batch.payload(),
                      (GithubRepoConfig) active.config(),
                      parts.accounts(),
                      GithubMessages.Extras.NONE.withAddedLabels(batch.labels())));
      Batches.post(parts.context().outbox(), drafts, labels.remove(batch));
    }
  }
}
