package grapple.bot.room;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MatrixIdsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "@alice:example.org",
        "@alice:localhost:8448",
        "@Old.Style=Id_/+x:matrix.org",
        "@bob:127.0.0.1",
        "@bob:[::1]:8448",
        "@a@b:example.org"
      })
  void userIdsAsTheSpecWritesThemAreTaken(String id) {
    assertThat(MatrixIds.isUserId(id)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "alice:example.org",
        "@alice",
        "@:example.org",
        "@alice:",
        "@al ice:example.org",
        "@alice\u0000:example.org",
        "@alice\u001b[31m:example.org",
        "@alice\u202e:example.org",
        "@alice\u200b:example.org",
        "@älice:example.org",
        "@alice:exa\u202emple.org",
        "@alice:example.org\u0007",
        "@alice:example.org/path",
        "@alice:example.org:port"
      })
  void idsWithControlInvisibleOrForeignCharactersAreRefused(String id) {
    assertThat(MatrixIds.isUserId(id)).isFalse();
  }

  /** The spec bounds the whole id, not each part: 255 characters, sigil and server included. */
  @org.junit.jupiter.api.Test
  void aUserIdOver255CharactersIsRefused() {
    String server = ":example.org";
    String longest = "@" + "a".repeat(255 - 1 - server.length()) + server;

    assertThat(longest).hasSize(255);
    assertThat(MatrixIds.isUserId(longest)).isTrue();
    assertThat(MatrixIds.isUserId("@a" + longest.substring(1))).isFalse();
    assertThat(MatrixIds.isUserId("@" + "a".repeat(255) + ":" + "b".repeat(255))).isFalse();
  }
}
