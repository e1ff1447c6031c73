package grapple.bot.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.http.AddressGuard;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What feeds may not reach: every special-purpose block that is not the public internet. */
class AddressGuardTest {
  private static final AddressGuard FEEDS = FeedFetcher.GUARD;

  private static final String ALLOW =
      "; feeds may not reach those (set feeds.allowPrivateAddresses: true to allow them)";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0.0.0.0",
        "0.255.255.255",
        "10.1.2.3",
        "100.64.0.1",
        "100.127.255.255",
        "127.0.0.1",
        "127.255.255.254",
        "169.254.169.254",
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.1",
        "192.0.0.255",
        "192.0.2.1",
        "192.88.99.1",
        "192.168.1.1",
        "198.18.0.0",
        "198.19.255.255",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "239.255.255.255",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::127.0.0.1",
        "::8.8.8.8",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b::808:808",
        "64:ff9b:1::1",
        "100::1",
        "100::ffff:ffff:ffff:ffff",
        "2001::1",
        "2001:0:ffff::1",
        "2001:2::1",
        "2001:db8::1",
        "2001:db8:ffff::1",
        "2002::1",
        "2002:7f00:1::1",
        "2002:ffff::1",
        "3fff::1",
        "5f00::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "febf::1",
        "fec0::1",
        "ff02::1"
      })
  void aLiteralInANonPublicBlockIsRefused(String ip) throws Exception {
    assertThat(AddressGuard.internal(InetAddress.getByName(ip))).as(ip).isTrue();
    assertThatThrownBy(() -> FEEDS.checkLiteral(ip))
        .as(ip)
        .isInstanceOf(AddressGuard.Refused.class)
        .hasMessageStartingWith(ip + " is a ")
        .hasMessageEndingWith(ALLOW);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1.1.1.1",
        "8.8.8.8",
        "93.184.216.34",
        "100.63.255.255",
        "100.128.0.0",
        "172.32.0.0",
        "192.0.1.0",
        "192.0.3.0",
        "198.17.255.255",
        "198.20.0.0",
        "198.51.99.255",
        "203.0.112.255",
        "203.0.114.0",
        "223.255.255.255",
        "2606:4700:4700::1111",
        "2001:4860:4860::8888",
        "2001:1::1",
        "2001:db7:ffff::1",
        "2001:db9::1",
        "2003::1",
        "64:ff9a::1",
        "64:ff9b:2::1",
        "100:0:0:1::1",
        "3ffe:ffff::1",
        "4000::1"
      })
  void aLiteralOnThePublicInternetIsAllowed(String ip) throws Exception {
    assertThat(AddressGuard.internal(InetAddress.getByName(ip))).as(ip).isFalse();
    assertThatCode(() -> FEEDS.checkLiteral(ip)).as(ip).doesNotThrowAnyException();
  }

  @Test
  void anIpv4MappedAddressIsJudgedByItsIpv4Part() throws Exception {
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
    byte[] mappedPublic = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 8, 8, 8, 8};

    assertThat(AddressGuard.internal(Inet6Address.getByAddress(null, mapped, -1))).isTrue();
    assertThat(AddressGuard.internal(Inet6Address.getByAddress(null, mappedPublic, -1))).isFalse();
  }

  @Test
  void theRefusalOfALiteralNamesTheBlockAndTheConfigKeyThatAllowsIt() {
    assertThatThrownBy(() -> FEEDS.checkLiteral("127.0.0.1"))
        .hasMessage(
            "127.0.0.1 is a loopback, private or link-local address (127.0.0.0/8, loopback)"
                + ALLOW);
    assertThatThrownBy(() -> FEEDS.checkLiteral("[::ffff:a00:1]"))
        .hasMessage(
            "[::ffff:a00:1] is a loopback, private or link-local address (10.0.0.0/8, private)"
                + ALLOW);
  }

  @Test
  void theRefusalOfANameNamesTheBlockAndTheConfigKeyButNotTheAddress() {
    // The refusal is posted in the room: the address would tell a room admin what an internal
    // name resolves to.
    assertThatThrownBy(() -> FEEDS.lookup("localhost"))
        .isInstanceOf(AddressGuard.Refused.class)
        .hasMessageStartingWith(
            "localhost resolves only to loopback, private or link-local addresses (such as ")
        .hasMessageNotContaining("127.0.0.1")
        .hasMessageNotContaining("::1")
        .hasMessageEndingWith(ALLOW);
  }
}
