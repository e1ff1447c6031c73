@NullMarked
package grapple.bot.webhook;

import org.jspecify.annotations.NullMarked;
