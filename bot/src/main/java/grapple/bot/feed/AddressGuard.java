package grapple.bot.feed;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import okhttp3.Dns;

/**
 * Keeps feed fetches off loopback, private, link-local and other internal addresses. As the DNS
 * of the HTTP client it filters every lookup, so a name that later resolves somewhere internal
 * (DNS rebinding) is refused at that fetch too; IP literals are checked before the request.
 */
final class AddressGuard implements Dns {
  /** Thrown for an address feeds may not reach. */
  static final class Refused extends UnknownHostException {
    Refused(String message) {
      super(message);
    }
  }

  @Override
  public List<InetAddress> lookup(String hostname) throws UnknownHostException {
    List<InetAddress> all = Dns.SYSTEM.lookup(hostname);
    List<InetAddress> allowed = all.stream().filter(a -> !internal(a)).toList();
    if (allowed.isEmpty()) {
      throw new Refused(hostname + " resolves to " + all.get(0).getHostAddress()
          + ", a loopback, private or link-local address; feeds may not reach those");
    }
    return allowed;
  }

  /** Refuses an IP-literal host that is internal (no DNS lookup happens for those). */
  static void checkLiteral(String host) throws Refused {
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (!bare.matches("[0-9.]+") && !bare.contains(":")) return;
    try {
      InetAddress address = InetAddress.getByName(bare);
      if (internal(address)) {
        throw new Refused(host + " is a loopback, private or link-local address; feeds may not reach those");
      }
    } catch (Refused e) {
      throw e;
    } catch (UnknownHostException e) {
      throw new Refused("'" + host + "' is not a valid address");
    }
  }

  static boolean internal(InetAddress a) {
    if (a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
        || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet6Address) return (b[0] & 0xfe) == 0xfc || mappedInternal(b);
    return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64 || (b[0] & 0xff) == 0;
  }

  /** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) judged by its IPv4 part. */
  private static boolean mappedInternal(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) return false;
    }
    if ((b[10] & 0xff) != 0xff || (b[11] & 0xff) != 0xff) return false;
    try {
      return internal(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)));
    } catch (UnknownHostException e) {
      return true; // Four bytes are always a valid address; unreachable, refuse to be safe.
    }
  }
}
