package grapple.bot.gitea;

import grapple.bot.AbstractService;
import grapple.bot.ServiceContext;
import grapple.bot.ServiceInfo;
import grapple.bot.forge.ForgeRunning;
import grapple.bot.forge.Intake;
import grapple.state.Migration;
import java.util.List;
import java.util.Set;

/**
 * Gitea and Forgejo ({@code gitea}, CONTRACT §11): rooms following repositories of configured
 * instances, their webhooks turned into notices worded as the GitHub ones, accounts linked by token
 * (sealed at rest), the repository hook added by the bot where it can, and {@code !gt} commands
 * that act with the sender's account.
 */
public final class GiteaService extends AbstractService<GiteaSettings> {
  static final String NAME = "gitea";
  private static final ServiceInfo INFO =
      new ServiceInfo(
          NAME,
          "Gitea and Forgejo",
          Set.of("forgejo"),
          List.of(GiteaRepos.TYPE),
          List.of(GiteaRepos.EVENT_TYPE),
          List.of());

  public GiteaService() {
    super(INFO, (section, config) -> GiteaSettings.read(section), GiteaSettings.class);
  }

  @Override
  public List<Migration> migrations() {
    return List.of(GiteaHooks.STEP);
  }

  @Override
  protected Running run(GiteaSettings gitea, ServiceContext context) {
    ForgeRunning.Base base = ForgeRunning.Base.of(NAME, context);
    GiteaClient client = new GiteaClient(context.clock());
    GiteaParts parts =
        new GiteaParts(
            gitea,
            client,
            new GiteaAccounts(base.linked(), base.people(), client, gitea),
            new GiteaHooks(context.database(), context.clock()),
            context);
    GiteaRepos repos = new GiteaRepos(parts, new RepoCommands(parts), base.threads());
    GiteaReceiver receiver = new GiteaReceiver(parts, repos, base.deliveries());
    return new ForgeRunning(
        base,
        repos,
        new GiteaCommands(parts, repos).commands(),
        routes ->
            Intake.route(
                routes,
                "/gitea/webhook",
                GiteaReceiver.MAX_BODY_BYTES,
                receiver::unsigned,
                receiver::receive),
        threads -> {});
  }
}
