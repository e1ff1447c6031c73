@NullMarked
package grapple.bot.outbox;

import org.jspecify.annotations.NullMarked;
