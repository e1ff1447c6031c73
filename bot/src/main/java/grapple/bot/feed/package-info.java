@NullMarked
package grapple.bot.feed;

import org.jspecify.annotations.NullMarked;
