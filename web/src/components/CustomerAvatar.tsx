import { Avatar, type MantineSize } from "@mantine/core";
import { avatarColor, initials } from "./avatar";

interface Props {
  id: string;
  firstName: string;
  lastName: string;
  color?: string;
  size?: MantineSize | number;
}

/** Decorative: the name is always next to it, so screen readers skip the initials. */
export function CustomerAvatar({ id, firstName, lastName, color = "", size = "md" }: Props) {
  return (
    <Avatar color={avatarColor(id, color)} variant="filled" radius="xl" size={size} aria-hidden>
      {initials(firstName, lastName)}
    </Avatar>
  );
}
