package grapple.bot.gitea;

import grapple.bot.ConnectionKind;
import grapple.bot.Routes;
import grapple.bot.Service;
import grapple.bot.ServiceContext;
import grapple.bot.ServiceInfo;
import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import grapple.bot.forge.ForgeThreads;
import grapple.commands.Command;
import grapple.state.ForgeDeliveries;
import grapple.state.LinkedAccounts;
import grapple.state.Migration;
import java.util.List;
import java.util.Set;

/**
 * Gitea and Forgejo ({@code gitea}, CONTRACT §11): rooms following repositories of configured
 * instances, their webhooks turned into notices worded as the GitHub ones, accounts linked by token
 * (sealed at rest), the repository hook added by the bot where it can, and {@code !gt} commands
 * that act with the sender's account.
 */
public final class GiteaService implements Service {
  static final String NAME = "gitea";
  private static final ServiceInfo INFO =
      new ServiceInfo(NAME, Set.of("forgejo"), List.of(GiteaRepos.EVENT_TYPE), List.of());

  @Override
  public ServiceInfo info() {
    return INFO;
  }

  @Override
  public ServiceSettings settings(Section section, Config config) {
    return GiteaSettings.read(section);
  }

  @Override
  public List<Migration> migrations() {
    return List.of(GiteaHooks.STEP);
  }

  @Override
  public Running start(ServiceSettings settings, ServiceContext context) {
    return new Started((GiteaSettings) settings, context);
  }

  /** The Gitea service at work. */
  private static final class Started implements Running {
    private final GiteaParts parts;
    private final GiteaRepos repos;
    private final GiteaCommands commands;
    private final ForgeDeliveries deliveries;
    private final ForgeThreads threads = new ForgeThreads(NAME);

    Started(GiteaSettings settings, ServiceContext context) {
      GiteaClient client = new GiteaClient();
      LinkedAccounts linked =
          new LinkedAccounts(context.database(), context.secrets().get(), context.clock());
      this.parts =
          new GiteaParts(
              settings,
              client,
              new GiteaAccounts(linked, client, settings),
              new GiteaHooks(context.database(), context.clock()),
              context);
      this.repos = new GiteaRepos(parts, new RepoCommands(parts, threads.commands()));
      this.commands = new GiteaCommands(parts, repos);
      this.deliveries = new ForgeDeliveries(context.database(), context.clock());
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
      GiteaReceiver receiver = new GiteaReceiver(parts, repos, deliveries);
      routes
          .webhooks()
          .addAsync("POST", "/gitea/webhook", GiteaReceiver.MAX_BODY_BYTES, receiver::receive);
    }

    /** The leader forgets old delivery ids. */
    @Override
    public void lead() {
      threads.pruneEvery6Hours(deliveries);
    }

    @Override
    public void close() {
      threads.close();
    }
  }
}
