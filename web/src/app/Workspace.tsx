import { AppShell, Button, Group, Stack, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useCallback, useState } from "react";
import { ErrorState, Loading } from "@/components/States";
import { useAuth } from "@/features/auth/AuthProvider";
import { useMe } from "@/features/auth/api/me";
import { markSeen } from "@/features/customers/activity";
import { CustomerList } from "@/features/customers/components/CustomerList";
import { NewCustomerModal } from "@/features/customers/components/NewCustomerModal";
import { SummaryCards } from "@/features/customers/components/SummaryCards";
import { Conversations, SentimentTrend } from "@/features/conversations/components/Conversations";
import { useLiveUpdates } from "@/features/live/useLiveUpdates";
import { useCustomer } from "@/features/profile/api/profile";
import { ContactInfo } from "@/features/profile/components/ContactInfo";
import { CustomFields } from "@/features/profile/components/CustomFields";
import { Notes } from "@/features/profile/components/Notes";
import { ProfileActions } from "@/features/profile/components/ProfileActions";
import { ProfileHeader } from "@/features/profile/components/ProfileHeader";
import { NotAvailable, Section } from "@/features/profile/components/Section";
import { Timeline } from "@/features/profile/components/Timeline";
import { OverrideForm } from "@/features/sentiment/components/OverrideForm";
import { SentimentBadge } from "@/features/sentiment/components/SentimentBadge";
import { useSelectedCustomer } from "./useSelectedCustomer";
import classes from "./Workspace.module.css";

function Profile({ id, author, onOpen }: { id: string; author: string; onOpen: (id: string) => void }) {
  const customer = useCustomer(id);
  if (customer.isPending) return <Loading label="Opening profile…" />;
  if (customer.isError) return <ErrorState error={customer.error} onRetry={() => void customer.refetch()} />;
  const value = customer.data;
  return (
    <div className={classes.profile}>
      <main className={classes.centre} aria-label="Customer profile">
        <Stack gap="sm">
          <ProfileHeader
            value={value}
            sentiment={
              <Group gap="xs" wrap="nowrap" align="center">
                <SentimentBadge customerId={id} />
                <SentimentTrend customerId={id} />
              </Group>
            }
          />
          <ContactInfo key={`${id}-contact`} value={value} />
          <CustomFields key={`${id}-fields`} value={value} />
          <Section title="Conversations" id="conversations-heading">
            <Conversations customerId={id} />
          </Section>
          <NotAvailable title="Bookings" what="booking" />
          <NotAvailable title="Invoices and payments" what="billing" />
          <NotAvailable title="Loyalty" what="loyalty" />
          <NotAvailable title="Tasks" what="task" />
          <Notes customerId={id} author={author} />
          <Timeline customerId={id} />
        </Stack>
      </main>
      <aside className={classes.right} aria-label="Actions">
        <Stack gap="sm">
          <Section title="Sentiment override" id="override-heading">
            <OverrideForm customerId={id} />
          </Section>
          <ProfileActions key={id} value={value} onOpen={onOpen} />
          <NotAvailable title="Run automation" what="automation" />
        </Stack>
      </aside>
    </div>
  );
}

export function Workspace() {
  const { signOut, session } = useAuth();
  const me = useMe();
  const [selected, selectInUrl] = useSelectedCustomer();
  const [seenVersion, setSeenVersion] = useState(() => {
    if (selected) markSeen(window.localStorage, selected);
    return 0;
  });
  const [creating, creation] = useDisclosure(false);
  const live = useLiveUpdates(useCallback(() => session.accessToken(), [session]));

  const select = useCallback(
    (id: string) => {
      markSeen(window.localStorage, id);
      setSeenVersion((v) => v + 1);
      selectInUrl(id);
    },
    [selectInUrl],
  );

  const user = me.data?.user?.name || me.data?.user?.email || (me.data?.api_key ? "API key" : "");
  return (
    <AppShell header={{ height: 52 }} padding={0}>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Title order={1} size="h4">
              Moodline
            </Title>
            <Text size="sm" c="dimmed">
              {me.data?.tenant.name ?? ""}
            </Text>
          </Group>
          <Group gap="sm">
            <Text size="xs" c="dimmed" aria-live="polite">
              {live === "stream" ? "Live" : live === "polling" ? "Refreshing every 5 s" : ""}
            </Text>
            {user && (
              <Text size="sm" data-testid="signed-in-user">
                {user}
              </Text>
            )}
            <Button size="xs" variant="default" onClick={() => void signOut()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main className={classes.main}>
        <div className={classes.summary}>
          <SummaryCards currency="USD" />
        </div>
        <div className={classes.panels}>
          <div className={classes.left}>
            <CustomerList selectedId={selected} onSelect={select} onNewCustomer={creation.open} seenVersion={seenVersion} />
          </div>
          {selected ? (
            <Profile key={selected} id={selected} author={user} onOpen={select} />
          ) : (
            <main className={classes.emptyProfile} aria-label="Customer profile">
              <Text c="dimmed">Choose a customer on the left to open their profile.</Text>
            </main>
          )}
        </div>
      </AppShell.Main>
      <NewCustomerModal opened={creating} onClose={creation.close} onCreated={select} />
    </AppShell>
  );
}
