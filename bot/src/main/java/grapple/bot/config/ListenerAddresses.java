package grapple.bot.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads the config's {@code listeners} section: where each HTTP listener binds, and their memory
 * budget.
 */
final class ListenerAddresses {
  private static final List<String> LISTENERS = List.of("webhooks", "provisioning", "metrics");
  private static final String DEFAULT_IN_FLIGHT = "32mb";
  private static final long MIN_IN_FLIGHT_BYTES = 1024L * 1024;
  private static final long MAX_IN_FLIGHT_BYTES = 1024L * 1024 * 1024;

  /** {@code host:port} or {@code [v6]:port}: the port belongs in {@code port}. */
  private static final Pattern WITH_PORT = Pattern.compile("(\\[.*]|[^:]*):\\d+");

  private ListenerAddresses() {}

  static Config.Listeners read(Section s) {
    Config.Listener webhooks = listener(s.section("webhooks"), 9000);
    Config.Listener provisioning = listener(s.section("provisioning"), 9001);
    Config.Listener metrics = listener(s.section("metrics"), 9002);
    List<Config.Listener> all = List.of(webhooks, provisioning, metrics);
    for (int later = 1; later < all.size(); later++) requireOwnPort(s, all, later);
    long maxBytesInFlight = maxBytesInFlight(s);
    s.finish();
    return new Config.Listeners(webhooks, provisioning, metrics, maxBytesInFlight);
  }

  /** Request bodies held in memory at once, across listeners; over it, requests get 503. */
  private static long maxBytesInFlight(Section s) {
    long bytes = Quantities.bytes(s.string("maxBytesInFlight", DEFAULT_IN_FLIGHT));
    String rule =
        bytes < 0
            ? Quantities.SIZE_RULE
            : bytes < MIN_IN_FLIGHT_BYTES
                ? "must be at least 1mb"
                : bytes > MAX_IN_FLIGHT_BYTES ? "must be at most 1gb" : null;
    if (rule == null) return bytes;
    s.reject("maxBytesInFlight", rule);
    return Quantities.bytes(DEFAULT_IN_FLIGHT);
  }

  private static Config.Listener listener(Section s, int defaultPort) {
    String bindAddress = s.nonEmptyString("bindAddress", "127.0.0.1");
    if (s.isSet("bindAddress") && resolve(bindAddress) == null) {
      s.reject(
          "bindAddress",
          WITH_PORT.matcher(bindAddress).matches()
              ? "must be an address without a port (the port goes in port)"
              : "must be an IP address or a host name that resolves");
    }
    int port = s.integer("port", defaultPort, 0, 65535);
    s.finish();
    return new Config.Listener(bindAddress, port);
  }

  /** The address a listener binds, or null when it names none. */
  private static @Nullable InetAddress resolve(String bindAddress) {
    if (WITH_PORT.matcher(bindAddress).matches()) return null;
    try {
      return InetAddress.getByName(bindAddress);
    } catch (UnknownHostException | SecurityException e) {
      return null;
    }
  }

  /** Reports the listener at index later if an earlier one would bind the same address and port. */
  private static void requireOwnPort(Section s, List<Config.Listener> all, int later) {
    Config.Listener listener = all.get(later);
    for (int earlier = 0; earlier < later; earlier++) {
      if (sharesPort(all.get(earlier), listener)) {
        s.problem(
            LISTENERS.get(later) + ".port",
            "must differ from "
                + s.pathOf(LISTENERS.get(earlier) + ".port")
                + ", was "
                + listener.port());
        return;
      }
    }
  }

  /**
   * Port 0 picks a free port, so it never clashes; a wildcard address overlaps every address, and
   * two names for one address ({@code localhost}, {@code 127.0.0.1}) are one address.
   */
  private static boolean sharesPort(Config.Listener a, Config.Listener b) {
    if (a.port() == 0 || a.port() != b.port()) return false;
    if (a.bindAddress().equals(b.bindAddress())
        || isWildcard(a.bindAddress())
        || isWildcard(b.bindAddress())) {
      return true;
    }
    InetAddress first = resolve(a.bindAddress());
    InetAddress second = resolve(b.bindAddress());
    if (first == null || second == null) return false; // reported as such
    return first.equals(second) || first.isAnyLocalAddress() || second.isAnyLocalAddress();
  }

  private static boolean isWildcard(String bindAddress) {
    return bindAddress.equals("0.0.0.0") || bindAddress.equals("::") || bindAddress.equals("[::]");
  }
}
