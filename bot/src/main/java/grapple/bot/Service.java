package grapple.bot;

import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import grapple.bot.provisioning.LoginLookup;
import grapple.bot.rpc.RpcMethod;
import grapple.commands.Command;
import grapple.state.Migration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Everything Grapple knows about one outside system (webhooks, feeds, a forge): its config section,
 * its tables, its connection kinds, its commands and HTTP routes, and what it runs in the
 * background. The wiring lists one of each in {@link Grapple#services}; nothing else names a
 * service. To add one, write its package (one public class implementing this, most simply by
 * extending {@link AbstractService}) and add it there.
 */
public interface Service {
  /** What the rest of Grapple knows of this service even while it is off. */
  ServiceInfo info();

  /** The key of its config section: its name unless its {@link ServiceInfo} says otherwise. */
  default String configSection() {
    return info().configSection();
  }

  /** Reads this service's config section: defaults, rules, problems reported on the section. */
  ServiceSettings settings(Section section, Config config);

  /**
   * The steps of this service's own tables, numbered 1, 2, 3, ... by the service alone (the
   * database records them under the service's name, so no other service's steps get in the way). A
   * step once released is never changed: a new table or column is a new step.
   */
  default List<Migration> migrations() {
    return List.of();
  }

  /**
   * A path of one of this service's routes as logs may show it (secrets masked); others unchanged.
   */
  default String maskPath(String path) {
    return path;
  }

  /** Starts the service with its settings; called only when they say it is enabled. */
  Running start(ServiceSettings settings, ServiceContext context);

  /** A started service: what it adds to the bot until it is closed. */
  interface Running extends AutoCloseable {
    List<ConnectionKind<?>> kinds();

    /** Commands in rooms and direct messages. */
    default List<Command> commands() {
      return List.of();
    }

    /** Receivers and callbacks on the webhook listener, routes under {@code /v1/<service>/}. */
    default void routes(Routes routes) {}

    /**
     * Told the port the webhook listener bound, once it is bound: it differs from the config's
     * {@code listeners.webhooks.port} when that is 0 (any free port).
     */
    default void webhookListenerBound(int port) {}

    /**
     * How it finds a login by the account's id, for an identity link given only the id; none by
     * default (the link then needs the login).
     */
    default Optional<LoginLookup> loginLookup() {
      return Optional.empty();
    }

    /** Its JSON-RPC methods (e.g. {@code get_feeds}), beside the core's on {@code /_admin/api}. */
    default List<RpcMethod> methods() {
      return List.of();
    }

    /**
     * The types of room events its connections take in {@link LiveConnection#onRoomEvent}, in the
     * homeserver's filter syntax ({@code *} matches any run of characters): the sync asks for these
     * beside messages and the followed state. None by default; {@code List.of("*")} asks for every
     * event of the room.
     */
    default List<String> roomEventTypes() {
      return List.of();
    }

    /** Gauges and counters of its own. */
    default void measure(Metrics metrics) {}

    /**
     * Starts what must run on one instance at a time (polling, outbound delivery, token refresh):
     * called once, after login, when this instance starts leading (at once with SQLite). A start
     * that fails before that (a refused login) has fetched and recorded nothing.
     */
    default void lead() {}

    /** The threads it runs that must not die, by name, each answering whether it is alive. */
    default Map<String, BooleanSupplier> threads() {
      return Map.of();
    }

    /**
     * The bot is about to stop: answer what waits on the listeners now, while they can still write
     * (they close next, then {@link #close}).
     */
    default void stopping() {}

    /** Stops what it runs in the background. */
    @Override
    default void close() {}
  }
}
