import { AppShell, Button, Group, Stack, Tabs, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useCallback, useState } from "react";
import { ErrorState, Loading } from "@/components/States";
import { Automations } from "@/features/automations/components/Automations";
import { RunAutomation } from "@/features/automations/components/RunAutomation";
import { CustomerTasks, TasksScreen } from "@/features/automations/components/Tasks";
import { useAuth } from "@/features/auth/AuthProvider";
import { useMe } from "@/features/auth/api/me";
import { useBillingSettings } from "@/features/billing/api/billing";
import { ExportModal } from "@/features/imports/components/ExportModal";
import { ImportWizard } from "@/features/imports/components/ImportWizard";
import { Bookings } from "@/features/billing/components/Bookings";
import { Calendar } from "@/features/billing/components/Calendar";
import { InvoicesPayments } from "@/features/billing/components/InvoicesPayments";
import { ValueCard } from "@/features/billing/components/ValueCard";
import { markSeen } from "@/features/customers/activity";
import { CustomerList } from "@/features/customers/components/CustomerList";
import type { Schemas } from "@/lib/api/client";
import { NewCustomerModal } from "@/features/customers/components/NewCustomerModal";
import { SummaryCards } from "@/features/customers/components/SummaryCards";
import { Conversations, SentimentTrend } from "@/features/conversations/components/Conversations";
import { useLiveUpdates } from "@/features/live/useLiveUpdates";
import { Loyalty } from "@/features/loyalty/components/Loyalty";
import { Duplicates } from "@/features/merge/components/Duplicates";
import { MergeWith } from "@/features/merge/components/MergeWith";
import { useCustomer } from "@/features/profile/api/profile";
import { ContactInfo } from "@/features/profile/components/ContactInfo";
import { CustomFields } from "@/features/profile/components/CustomFields";
import { Notes } from "@/features/profile/components/Notes";
import { ProfileActions } from "@/features/profile/components/ProfileActions";
import { ProfileHeader } from "@/features/profile/components/ProfileHeader";
import { Section } from "@/components/Section";
import { Timeline } from "@/features/profile/components/Timeline";
import { OverrideForm } from "@/features/sentiment/components/OverrideForm";
import { SentimentBadge } from "@/features/sentiment/components/SentimentBadge";
import { toExportFilter } from "./exportFilter";
import { VIEWS, type View } from "./route";
import { useRoute } from "./useRoute";
import classes from "./Workspace.module.css";

const VIEW_LABELS: Record<View, string> = { customers: "Customers", bookings: "Bookings", automations: "Automations", tasks: "Tasks", duplicates: "Duplicates" };

function Profile({ id, author, canMerge, canRefund, onOpen }: { id: string; author: string; canMerge: boolean; canRefund: boolean; onOpen: (id: string) => void }) {
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
            actions={canMerge ? <MergeWith customer={value.customer} onMerged={onOpen} /> : undefined}
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
          <ValueCard customerId={id} />
          <Bookings customerId={id} />
          <InvoicesPayments customerId={id} canRefund={canRefund} />
          <Loyalty customerId={id} />
          <CustomerTasks customerId={id} />
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
          <RunAutomation key={`${id}-run`} customerId={id} />
        </Stack>
      </aside>
    </div>
  );
}

/** A customer's name wherever another screen mentions one (read through the profile's cache). */
function CustomerName({ id }: { id: string }) {
  const customer = useCustomer(id);
  if (customer.isPending) return <>…</>;
  if (customer.isError) return <>(unavailable customer)</>;
  const c = customer.data.customer;
  return <>{`${c.first_name} ${c.last_name}`.trim() || "Unnamed customer"}</>;
}

const customerName = (id: string) => <CustomerName id={id} />;

export function Workspace() {
  const { signOut, session } = useAuth();
  const me = useMe();
  const settings = useBillingSettings();
  const [route, go] = useRoute();
  const selected = route.customer;
  const [seenVersion, setSeenVersion] = useState(() => {
    if (selected) markSeen(window.localStorage, selected);
    return 0;
  });
  const [creating, creation] = useDisclosure(false);
  const [importing, importer] = useDisclosure(false);
  const [exporting, setExporting] = useState<{ filter: Schemas["ExportFilter"]; scope: string } | null>(null);
  const live = useLiveUpdates(session);

  const select = useCallback(
    (id: string) => {
      markSeen(window.localStorage, id);
      setSeenVersion((v) => v + 1);
      go({ view: "customers", customer: id });
    },
    [go],
  );

  const permissions = me.data?.permissions ?? [];
  const canMerge = permissions.includes("customers:merge");
  const canRefund = permissions.includes("billing:manage");
  const user = me.data?.user?.name || me.data?.user?.email || (me.data?.api_key ? "API key" : "");
  return (
    <AppShell header={{ height: 52 }} padding={0}>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="md" wrap="nowrap">
            <Title order={1} size="h4">
              Moodline
            </Title>
            <Text size="sm" c="dimmed" truncate maw={200}>
              {me.data?.tenant.name ?? ""}
            </Text>
            <Tabs value={route.view} onChange={(v) => v && go({ view: v as View })} variant="pills" aria-label="Screens">
              <Tabs.List>
                {VIEWS.map((v) => (
                  <Tabs.Tab key={v} value={v} size="sm">
                    {VIEW_LABELS[v]}
                  </Tabs.Tab>
                ))}
              </Tabs.List>
            </Tabs>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="xs" c="dimmed" aria-live="polite">
              {live === "live" ? "Live" : live === "reconnecting" ? "Reconnecting…" : "Connecting…"}
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
        {route.view === "customers" ? (
          <>
            <div className={classes.summary}>
              <SummaryCards currency={settings.data?.currency ?? null} currencyError={settings.isError} />
            </div>
            <div className={classes.panels}>
              <div className={classes.left}>
                <CustomerList
                  selectedId={selected}
                  onSelect={select}
                  onNewCustomer={creation.open}
                  seenVersion={seenVersion}
                  actions={(filter, scope) => (
                    <>
                      <Button size="xs" variant="default" onClick={importer.open}>
                        Import
                      </Button>
                      <Button size="xs" variant="default" onClick={() => setExporting({ filter: toExportFilter(filter), scope })}>
                        Export
                      </Button>
                    </>
                  )}
                />
              </div>
              {selected ? (
                <Profile key={selected} id={selected} author={user} canMerge={canMerge} canRefund={canRefund} onOpen={select} />
              ) : (
                <main className={classes.emptyProfile} aria-label="Customer profile">
                  <Text c="dimmed">Choose a customer on the left to open their profile.</Text>
                </main>
              )}
            </div>
          </>
        ) : (
          <main className={classes.screen} aria-label={VIEW_LABELS[route.view]}>
            {route.view === "bookings" && <Calendar customerName={customerName} onOpenCustomer={select} />}
            {route.view === "automations" && <Automations customerName={customerName} onOpenCustomer={select} />}
            {route.view === "tasks" && <TasksScreen customerName={customerName} onOpenCustomer={select} />}
            {route.view === "duplicates" && <Duplicates canMerge={canMerge} onMerged={select} />}
          </main>
        )}
      </AppShell.Main>
      <NewCustomerModal opened={creating} onClose={creation.close} onCreated={select} />
      <ImportWizard opened={importing} onClose={importer.close} />
      <ExportModal opened={exporting !== null} onClose={() => setExporting(null)} filter={exporting?.filter ?? toExportFilter({})} scope={exporting?.scope ?? ""} />
    </AppShell>
  );
}
