package grapple.bot.forge;

import grapple.bot.ConnectionKind;
import grapple.bot.Routes;
import grapple.bot.Service;
import grapple.bot.ServiceContext;
import grapple.bot.provisioning.LoginLookup;
import grapple.commands.Command;
import grapple.state.ForgeDeliveries;
import grapple.state.LinkedAccounts;
import grapple.state.PeopleLinks;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A forge service at work (GitHub, GitLab, Gitea, JIRA): the rooms following its repositories or
 * projects, its commands, the routes it adds (its webhook receiver, callbacks) and its {@link
 * ForgeThreads}. The leader runs the service's own chores and forgets old delivery ids; closing
 * stops the threads.
 */
public final class ForgeRunning implements Service.Running {
  /**
   * What a forge service's own parts are built on: its threads, delivery ids, linked accounts, and
   * the administrators' links of people to forge logins (CONTRACT §14) its mentions also read.
   */
  public record Base(
      ForgeThreads threads, ForgeDeliveries deliveries, LinkedAccounts linked, PeopleLinks people) {
    public static Base of(String service, ServiceContext context) {
      return new Base(
          new ForgeThreads(service),
          new ForgeDeliveries(context.database(), context.clock()),
          new LinkedAccounts(context.database(), context.secrets().get(), context.clock()),
          new PeopleLinks(context.database(), context.clock()));
    }
  }

  private final Base base;
  private final ConnectionKind<?> kind;
  private final List<Command> commands;
  private final Consumer<Routes> routes;
  private final Consumer<ForgeThreads> chores;
  private final @Nullable LoginLookup logins;

  /**
   * {@code routes} adds the service's routes; {@code chores} schedules the leader's chores of the
   * service's own on its threads (none: {@code threads -> {}}).
   */
  public ForgeRunning(
      Base base,
      ConnectionKind<?> kind,
      List<Command> commands,
      Consumer<Routes> routes,
      Consumer<ForgeThreads> chores) {
    this(base, kind, commands, routes, chores, null);
  }

  private ForgeRunning(
      Base base,
      ConnectionKind<?> kind,
      List<Command> commands,
      Consumer<Routes> routes,
      Consumer<ForgeThreads> chores,
      @Nullable LoginLookup logins) {
    this.base = base;
    this.kind = kind;
    this.commands = List.copyOf(commands);
    this.routes = routes;
    this.chores = chores;
    this.logins = logins;
  }

  /** The same, finding logins by account id with {@code logins} (for identity links). */
  public ForgeRunning withLoginLookup(LoginLookup logins) {
    return new ForgeRunning(base, kind, commands, routes, chores, logins);
  }

  @Override
  public Optional<LoginLookup> loginLookup() {
    return Optional.ofNullable(logins);
  }

  @Override
  public List<ConnectionKind<?>> kinds() {
    return List.of(kind);
  }

  @Override
  public List<Command> commands() {
    return commands;
  }

  @Override
  public void routes(Routes routes) {
    this.routes.accept(routes);
  }

  @Override
  public void lead() {
    chores.accept(base.threads());
    base.threads().pruneEvery6Hours(base.deliveries());
  }

  @Override
  public void close() {
    base.threads().close();
  }
}
