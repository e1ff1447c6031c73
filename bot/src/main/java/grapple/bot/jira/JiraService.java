package grapple.bot.jira;

import grapple.bot.ConnectionKind;
import grapple.bot.Routes;
import grapple.bot.Service;
import grapple.bot.ServiceContext;
import grapple.bot.ServiceInfo;
import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import grapple.bot.forge.ForgeThreads;
import grapple.bot.forge.OAuthCallback;
import grapple.bot.room.Messages;
import grapple.commands.Command;
import grapple.state.ForgeDeliveries;
import grapple.state.LinkedAccounts;
import grapple.state.OAuthStates;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * JIRA ({@code jira}, CONTRACT §12): rooms following JIRA projects, JIRA's webhooks (Cloud and Data
 * Center) turned into hookshot's notices, linked accounts (Cloud by OAuth 2.0 with refreshed
 * tokens, Data Center by personal access token, sealed at rest), room commands that act on JIRA
 * with the sender's account, and the seed's {@code /v1/jira} routes.
 */
public final class JiraService implements Service {
  static final String NAME = "jira";
  private static final ServiceInfo INFO =
      new ServiceInfo(
          NAME,
          Set.of(),
          List.of(JiraProjects.EVENT_TYPE, JiraProjects.LEGACY_EVENT_TYPE),
          List.of("/oauth", "/account", "/instances/{name}/projects"));

  @Override
  public ServiceInfo info() {
    return INFO;
  }

  @Override
  public ServiceSettings settings(Section section, Config config) {
    return JiraSettings.read(section, config);
  }

  @Override
  public Running start(ServiceSettings settings, ServiceContext context) {
    return new Started((JiraSettings) settings, context);
  }

  /** The JIRA service at work. */
  private static final class Started implements Running {
    private final JiraParts parts;
    private final JiraProjects projects;
    private final JiraCommands commands;
    private final ForgeDeliveries deliveries;
    private final OAuthStates states;
    private final ForgeThreads threads = new ForgeThreads(NAME);

    Started(JiraSettings settings, ServiceContext context) {
      JiraClient client = new JiraClient();
      LinkedAccounts linked =
          new LinkedAccounts(context.database(), context.secrets().get(), context.clock());
      JiraAccounts accounts =
          new JiraAccounts(
              linked,
              client,
              settings,
              context.clock(),
              (user, text) -> context.outbox().directMessage(user, Messages.notice(text)));
      this.parts = new JiraParts(settings, client, accounts, context);
      this.projects = new JiraProjects(parts, new ProjectCommands(parts, threads.commands()));
      this.states = new OAuthStates(context.database(), context.clock());
      this.commands = new JiraCommands(parts, projects, states);
      this.deliveries = new ForgeDeliveries(context.database(), context.clock());
    }

    @Override
    public List<ConnectionKind<?>> kinds() {
      return List.of(projects);
    }

    @Override
    public List<Command> commands() {
      return commands.commands();
    }

    @Override
    public void routes(Routes routes) {
      JiraReceiver receiver = new JiraReceiver(parts, projects, deliveries);
      routes
          .webhooks()
          .addAsync("POST", "/jira/webhook", JiraReceiver.MAX_BODY_BYTES, receiver::receive);
      OAuthCallback callback =
          new OAuthCallback(
              new OAuthCallback.Wording(NAME, "JIRA", "Atlassian", "Connected to JIRA Cloud as "),
              parts.accounts()::linkCode,
              parts.context().profiles()::remember,
              parts.context().outbox(),
              states);
      routes.webhooks().add("GET", "/oauth/jira", callback::handle);
      new JiraApi(parts, commands).routes(routes);
    }

    /** The leader refreshes expiring Cloud tokens and forgets old delivery ids. */
    @Override
    public void lead() {
      threads.every(
          Duration.ofMinutes(5),
          Duration.ZERO,
          "refreshing tokens",
          parts.accounts()::refreshExpiring);
      threads.pruneEvery6Hours(deliveries);
    }

    @Override
    public void close() {
      threads.close();
    }
  }
}
