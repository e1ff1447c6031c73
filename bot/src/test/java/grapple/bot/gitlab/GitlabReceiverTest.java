package grapple.bot.gitlab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GitlabReceiverTest {
  private static final byte[] BODY = "{\"object_kind\":\"push\"}".getBytes(StandardCharsets.UTF_8);

  @Test
  void aDeliveryIsKnownByItsIdempotencyKeyAndItsBodysDigest() {
    assertThat(GitlabReceiver.deliveryIds(Optional.of("k-1"), BODY))
        .containsExactly("k-1", "sha256:" + sha256Hex());
    assertThat(GitlabReceiver.deliveryIds(Optional.empty(), BODY))
        .containsExactly("sha256:" + sha256Hex());
    assertThat(GitlabReceiver.deliveryIds(Optional.of("  "), BODY))
        .containsExactly("sha256:" + sha256Hex());
  }

  @Test
  void twoLongKeysAlikeInTheirFirst200CharactersAreTwoDeliveries() {
    String common = "k".repeat(200);
    List<String> first = GitlabReceiver.deliveryIds(Optional.of(common + "-first"), BODY);
    List<String> second = GitlabReceiver.deliveryIds(Optional.of(common + "-second"), BODY);

    assertThat(first.get(0)).isNotEqualTo(second.get(0)).endsWith("-first");
  }

  private static String sha256Hex() {
    return java.util.HexFormat.of().formatHex(grapple.state.Sha256.of(BODY));
  }
}
