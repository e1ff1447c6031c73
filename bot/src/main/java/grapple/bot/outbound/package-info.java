@NullMarked
package grapple.bot.outbound;

import org.jspecify.annotations.NullMarked;
