package grapple.bot.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import okhttp3.Dns;
import org.jspecify.annotations.Nullable;

/**
 * Keeps outgoing requests (feed fetches, outbound hooks) off loopback, private, link-local and
 * other internal addresses. As the DNS of the HTTP client it filters every lookup, and the client
 * connects to the address it returned, so a name that later resolves somewhere internal (DNS
 * rebinding) is refused at that request too; IP literals are checked before the request.
 */
public final class AddressGuard implements Dns {
  /** The end of every refusal: who may not reach such addresses, and the key that allows it. */
  private final String allow;

  /** A guard for {@code who} (e.g. "feeds"), whose config key {@code allowKey} lifts it. */
  public AddressGuard(String who, String allowKey) {
    this.allow = "; " + who + " may not reach those (set " + allowKey + ": true to allow them)";
  }

  /**
   * The blocks IANA's special-purpose address registries (RFC 6890) mark as not globally reachable,
   * multicast, and the IPv6 blocks that carry an IPv4 address to somewhere the guard cannot judge
   * (IPv4-compatible, NAT64, 6to4, Teredo), refused whole. The first block that matches is named.
   */
  private static final List<Block> BLOCKS =
      List.of(
          Block.of("0.0.0.0/8", "this network"),
          Block.of("10.0.0.0/8", "private"),
          Block.of("100.64.0.0/10", "shared address space"),
          Block.of("127.0.0.0/8", "loopback"),
          Block.of("169.254.0.0/16", "link-local"),
          Block.of("172.16.0.0/12", "private"),
          Block.of("192.0.0.0/24", "IETF protocol assignments"),
          Block.of("192.0.2.0/24", "documentation"),
          Block.of("192.88.99.0/24", "6to4 relay anycast"),
          Block.of("192.168.0.0/16", "private"),
          Block.of("198.18.0.0/15", "benchmarking"),
          Block.of("198.51.100.0/24", "documentation"),
          Block.of("203.0.113.0/24", "documentation"),
          Block.of("224.0.0.0/4", "multicast"),
          Block.of("240.0.0.0/4", "reserved"),
          Block.of("::/128", "unspecified"),
          Block.of("::1/128", "loopback"),
          Block.of("::/96", "IPv4-compatible"),
          Block.of("64:ff9b::/96", "NAT64"),
          Block.of("64:ff9b:1::/48", "local NAT64"),
          Block.of("100::/64", "discard-only"),
          Block.of("2001::/32", "Teredo"),
          Block.of("2001:2::/48", "benchmarking"),
          Block.of("2001:db8::/32", "documentation"),
          Block.of("2002::/16", "6to4"),
          Block.of("3fff::/20", "documentation"),
          Block.of("5f00::/16", "segment routing"),
          Block.of("fc00::/7", "unique local"),
          Block.of("fe80::/10", "link-local"),
          Block.of("fec0::/10", "site-local"),
          Block.of("ff00::/8", "multicast"));

  /** Thrown for an address the guard refuses. */
  public static final class Refused extends UnknownHostException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }

    /** Why; never null. */
    @Override
    public String getMessage() {
      return Objects.requireNonNull(super.getMessage());
    }
  }

  /** A CIDR block, e.g. 127.0.0.0/8, and what it is for. */
  private record Block(String cidr, byte[] prefix, int bits, String kind) {
    static Block of(String cidr, String kind) {
      int slash = cidr.indexOf('/');
      try {
        byte[] prefix = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
        return new Block(cidr, prefix, Integer.parseInt(cidr.substring(slash + 1)), kind);
      } catch (UnknownHostException e) {
        throw new IllegalStateException("an IP literal always parses: " + cidr, e);
      }
    }

    boolean contains(byte[] address) {
      if (address.length != prefix.length) return false;
      int whole = bits / 8;
      if (!Arrays.equals(address, 0, whole, prefix, 0, whole)) return false;
      int rest = bits % 8;
      if (rest == 0) return true;
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[whole] & mask) == (prefix[whole] & mask);
    }
  }

  @Override
  public List<InetAddress> lookup(String hostname) throws UnknownHostException {
    List<InetAddress> all = Dns.SYSTEM.lookup(hostname);
    List<InetAddress> allowed = all.stream().filter(a -> !internal(a)).toList();
    if (allowed.isEmpty()) {
      InetAddress first = all.get(0);
      // The block, not the address: the refusal reaches the room, and a room admin could use it to
      // look up what internal names resolve to.
      throw new Refused(
          hostname
              + " resolves only to loopback, private or link-local addresses (such as "
              + block(first)
              + ")"
              + allow);
    }
    return allowed;
  }

  /** Refuses an IP-literal host that is internal (no DNS lookup happens for those). */
  public void checkLiteral(String host) throws Refused {
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (!bare.matches("[0-9.]+") && !bare.contains(":")) return;
    try {
      String block = block(InetAddress.getByName(bare));
      if (block != null) {
        throw new Refused(
            host + " is a loopback, private or link-local address (" + block + ")" + allow);
      }
    } catch (Refused e) {
      throw e;
    } catch (UnknownHostException e) {
      throw new Refused("'" + host + "' is not a valid address");
    }
  }

  public static boolean internal(InetAddress a) {
    return block(a) != null;
  }

  /**
   * The block that makes {@code a} internal, e.g. {@code 127.0.0.0/8, loopback}, or null for a
   * public address. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged by its IPv4 part.
   */
  private static @Nullable String block(InetAddress a) {
    byte[] address = a.getAddress();
    if (isIpv4Mapped(address)) address = Arrays.copyOfRange(address, 12, 16);
    for (Block block : BLOCKS) {
      if (block.contains(address)) return block.cidr() + ", " + block.kind();
    }
    return null;
  }

  private static boolean isIpv4Mapped(byte[] b) {
    if (b.length != 16) return false;
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) return false;
    }
    return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
  }
}
