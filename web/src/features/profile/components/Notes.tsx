import { Button, Stack, Text, Textarea } from "@mantine/core";
import { useState } from "react";
import { Empty, ErrorState, Loading } from "@/components/States";
import { formatDateTime } from "@/lib/format";
import { useAddNote, useNotes } from "../api/profile";
import { Section } from "@/components/Section";

export function Notes({ customerId, author }: { customerId: string; author: string }) {
  const notes = useNotes(customerId);
  const add = useAddNote(customerId);
  const [text, setText] = useState("");

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!text.trim()) return;
    await add.mutateAsync({ text: text.trim(), author }).then(() => setText("")).catch(() => undefined);
  }

  return (
    <Section title="Notes" id="notes-heading">
      <form onSubmit={submit} noValidate>
        <Stack gap={6}>
          <Textarea
            label="New note"
            autosize
            minRows={2}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            error={add.error?.message}
          />
          <Button size="xs" type="submit" loading={add.isPending} disabled={!text.trim()} style={{ alignSelf: "flex-end" }}>
            Add note
          </Button>
        </Stack>
      </form>
      {notes.isPending ? (
        <Loading label="Loading notes…" />
      ) : notes.isError ? (
        <ErrorState error={notes.error} onRetry={() => void notes.refetch()} />
      ) : notes.data.items.length === 0 ? (
        <Empty>No notes yet.</Empty>
      ) : (
        <Stack gap="xs" mt="xs" component="ul" style={{ listStyle: "none", padding: 0 }}>
          {notes.data.items.map((note) => (
            <li key={note.id}>
              <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                {note.text}
              </Text>
              <Text size="xs" c="dimmed">
                {note.author || "staff"} · {formatDateTime(note.created_at)}
              </Text>
            </li>
          ))}
        </Stack>
      )}
    </Section>
  );
}
