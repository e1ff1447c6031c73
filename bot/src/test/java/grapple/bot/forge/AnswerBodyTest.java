package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import okhttp3.ResponseBody;
import okio.Buffer;
import org.junit.jupiter.api.Test;

/** A forge's answer is read up to 8 MiB, whether or not it says its length first. */
class AnswerBodyTest {
  @Test
  void anAnswerWithinTheLimitIsReadWhole() throws Exception {
    ResponseBody body = ResponseBody.create("{\"ok\":true}", null);

    assertThat(AnswerBody.text(body, "Gitea")).isEqualTo("{\"ok\":true}");
  }

  @Test
  void anAnswerOverTheLimitWithoutALengthIsRefusedAfterTheLimit() {
    Buffer source = new Buffer().write(new byte[(int) AnswerBody.MAX_ANSWER_BYTES + 1]);
    ResponseBody body = ResponseBody.create(source, null, -1);

    assertThatThrownBy(() -> AnswerBody.text(body, "GitLab"))
        .isInstanceOf(ForgeException.class)
        .hasMessage("GitLab's answer is too large")
        .satisfies(e -> assertThat(((ForgeException) e).status()).isEqualTo(502));
  }

  @Test
  void anAnswerThatSaysItIsOverTheLimitIsRefusedBeforeItIsRead() {
    ResponseBody body =
        ResponseBody.create(new Buffer().writeUtf8("{}"), null, AnswerBody.MAX_ANSWER_BYTES + 1);

    assertThatThrownBy(() -> AnswerBody.text(body, "GitHub"))
        .isInstanceOf(ForgeException.class)
        .hasMessage("GitHub's answer is too large");
  }
}
