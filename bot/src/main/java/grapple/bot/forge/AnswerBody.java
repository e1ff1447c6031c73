package grapple.bot.forge;

import java.io.IOException;
import okhttp3.ResponseBody;

/** The body of a forge's answer, read only up to a limit: a forge cannot fill the bot's memory. */
public final class AnswerBody {
  /** The most of an answer any forge client reads. */
  public static final long MAX_ANSWER_BYTES = 8L * 1024 * 1024;

  private AnswerBody() {}

  /**
   * The text of {@code body}; a ForgeException (502, {@code "<forge>'s answer is too large"}) when
   * it is longer than {@link #MAX_ANSWER_BYTES}.
   */
  public static String text(ResponseBody body, String forge) throws IOException, ForgeException {
    if (body.contentLength() > MAX_ANSWER_BYTES)
      throw new ForgeException(502, forge + "'s answer is too large");
    body.source().request(MAX_ANSWER_BYTES + 1);
    if (body.source().getBuffer().size() > MAX_ANSWER_BYTES)
      throw new ForgeException(502, forge + "'s answer is too large");
    return body.string();
  }
}
