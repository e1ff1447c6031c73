@NullMarked
package grapple.bot.room;

import org.jspecify.annotations.NullMarked;
