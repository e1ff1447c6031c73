package grapple.bot.jira;

import grapple.bot.AbstractService;
import grapple.bot.ServiceContext;
import grapple.bot.ServiceInfo;
import grapple.bot.forge.ForgeRunning;
import grapple.bot.forge.Intake;
import grapple.bot.forge.OAuthCallback;
import grapple.bot.room.Messages;
import grapple.state.OAuthStates;
import java.util.List;
import java.util.Set;

/**
 * JIRA ({@code jira}, CONTRACT §12): rooms following JIRA projects, JIRA's webhooks (Cloud and Data
 * Center) turned into hookshot's notices, linked accounts (Cloud by OAuth 2.0 with refreshed
 * tokens, Data Center by personal access token, sealed at rest), room commands that act on JIRA
 * with the sender's account, and the seed's {@code /v1/jira} routes.
 */
public final class JiraService extends AbstractService<JiraSettings> {
  static final String NAME = "jira";
  private static final ServiceInfo INFO =
      new ServiceInfo(
          NAME,
          "Jira",
          Set.of(),
          List.of(JiraProjects.TYPE),
          List.of(JiraProjects.EVENT_TYPE, JiraProjects.LEGACY_EVENT_TYPE),
          List.of("/oauth", "/account", "/instances/{name}/projects"));

  public JiraService() {
    super(INFO, JiraSettings::read, JiraSettings.class);
  }

  @Override
  protected Running run(JiraSettings settings, ServiceContext context) {
    ForgeRunning.Base base = ForgeRunning.Base.of(NAME, context);
    JiraClient client = new JiraClient(context.clock());
    JiraAccounts accounts =
        new JiraAccounts(
            base.linked(),
            base.people(),
            client,
            settings,
            context.clock(),
            (user, text) -> context.outbox().directMessage(user, Messages.notice(text)));
    JiraParts parts = new JiraParts(settings, client, accounts, context);
    JiraProjects projects = new JiraProjects(parts, new ProjectCommands(parts));
    OAuthStates states = new OAuthStates(context.database(), context.clock());
    JiraCommands commands = new JiraCommands(parts, projects, states);
    JiraReceiver receiver = new JiraReceiver(parts, projects, base.deliveries());
    return new ForgeRunning(
        base,
        projects,
        commands.commands(),
        routes -> {
          Intake.route(
              routes,
              "/jira/webhook",
              JiraReceiver.MAX_BODY_BYTES,
              receiver::unsigned,
              receiver::receive);
          OAuthCallback.route(
              routes,
              new OAuthCallback.Wording(NAME, "JIRA", "Atlassian", "Connected to JIRA Cloud as "),
              accounts::linkCode,
              context,
              states);
          new JiraApi(parts, commands).routes(routes);
        },
        // The leader refreshes expiring Cloud tokens.
        threads -> threads.refreshTokensEvery5Minutes(accounts::refreshExpiring));
  }
}
