package grapple.bot.github;

import grapple.bot.Active;
import grapple.bot.ConnectionKind;
import grapple.bot.Routes;
import grapple.bot.Service;
import grapple.bot.ServiceContext;
import grapple.bot.ServiceInfo;
import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import grapple.bot.forge.Batches;
import grapple.bot.forge.ForgeThreads;
import grapple.bot.forge.Intake;
import grapple.bot.forge.OAuthCallback;
import grapple.commands.Command;
import grapple.state.BadInput;
import grapple.state.ForgeDeliveries;
import grapple.state.LinkedAccounts;
import grapple.state.OAuthStates;
import grapple.state.OutboxStore;
import grapple.state.PeopleLinks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * GitHub ({@code github}, CONTRACT §10): rooms following repositories, GitHub's webhooks turned
 * into hookshot's notices, linked accounts (OAuth or personal tokens, sealed at rest), commands
 * that act on GitHub with the sender's account, and the seed's {@code /v1/github} routes.
 */
public final class GithubService implements Service {
  static final String NAME = "github";
  private static final ServiceInfo INFO =
      new ServiceInfo(
          NAME,
          Set.of(),
          List.of(GithubRepos.EVENT_TYPE, GithubRepos.LEGACY_EVENT_TYPE),
          List.of("/oauth", "/account", "/orgs/{org}/repositories", "/repositories"));

  @Override
  public ServiceInfo info() {
    return INFO;
  }

  @Override
  public ServiceSettings settings(Section section, Config config) {
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
  public Running start(ServiceSettings settings, ServiceContext context) {
    return new Started((GithubSettings) settings, context);
  }

  /** The GitHub service at work. */
  private static final class Started implements Running {
    private final GithubParts parts;
    private final GithubRepos repos;
    private final GithubCommands commands;
    private final ForgeDeliveries deliveries;
    private final LabelBatches labels;
    private final OAuthStates states;
    private final ForgeThreads threads = new ForgeThreads(NAME);

    Started(GithubSettings settings, ServiceContext context) {
      GithubClient client = new GithubClient(settings.apiUrl(), settings.webUrl());
      LinkedAccounts linked =
          new LinkedAccounts(context.database(), context.secrets().get(), context.clock());
      Optional<AppTokens> app = settings.app().map(a -> new AppTokens(a, client, context.clock()));
      this.parts =
          new GithubParts(
              settings,
              client,
              new GithubAccounts(
                  linked,
                  new PeopleLinks(context.database(), context.clock()),
                  client,
                  settings,
                  context.clock()),
              app,
              context);
      this.repos = new GithubRepos(parts, new RepoCommands(parts, threads.commands()));
      this.states = new OAuthStates(context.database(), context.clock());
      this.commands = new GithubCommands(parts, repos, states);
      this.deliveries = new ForgeDeliveries(context.database(), context.clock());
      this.labels = new LabelBatches(context.database(), context.clock());
    }

    @Override
    public List<ConnectionKind<?>> kinds() {
      return List.of(repos);
    }

    @Override
    public List<Command> commands() {
      return commands.commands();
    }

    @Override
    public void routes(Routes routes) {
      GithubReceiver receiver = new GithubReceiver(parts, repos, deliveries, labels);
      routes
          .webhooks()
          .addAsync("POST", "/github/webhook", GithubReceiver.MAX_BODY_BYTES, receiver::receive);
      OAuthCallback callback =
          new OAuthCallback(
              new OAuthCallback.Wording(NAME, "GitHub", "GitHub", "Connected as "),
              parts.accounts()::linkCode,
              parts.context().profiles()::remember,
              parts.context().outbox(),
              states);
      routes.webhooks().add("GET", "/oauth/github", callback::handle);
      new GithubApi(parts, commands).routes(routes);
    }

    /**
     * The leader posts gathered label changes, refreshes expiring tokens and forgets old delivery
     * ids.
     */
    @Override
    public void lead() {
      threads.every(
          Duration.ofSeconds(1),
          Duration.ofSeconds(1),
          "posting label changes",
          this::postDueLabels);
      threads.every(
          Duration.ofMinutes(5),
          Duration.ZERO,
          "refreshing tokens",
          parts.accounts()::refreshExpiring);
      threads.pruneEvery6Hours(deliveries);
    }

    private void postDueLabels() {
      for (LabelBatches.Batch batch : labels.due()) {
        List<OutboxStore.Draft> drafts = new ArrayList<>();
        for (Active active : repos.following(batch.repo())) {
          if (parts.context().botRooms().notIn(active.roomId())) continue;
          GithubMessages.render(
                  batch.event(),
                  batch.payload(),
                  (GithubRepoConfig) active.config(),
                  parts.accounts(),
                  GithubMessages.Extras.NONE.withAddedLabels(batch.labels()))
              .ifPresent(content -> drafts.add(Intake.draft(active.roomId(), content)));
        }
        Batches.post(parts.context().outbox(), drafts, labels.remove(batch));
      }
    }

    @Override
    public void close() {
      threads.close();
    }
  }
}
