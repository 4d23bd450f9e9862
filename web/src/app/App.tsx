import "@mantine/core/styles.css";
import "@mantine/charts/styles.css";
import { MantineProvider, createTheme, type CSSVariablesResolver } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { AuthProvider, useAuth } from "@/features/auth/AuthProvider";
import { SignIn } from "@/features/auth/components/SignIn";
import { ApiError } from "@/lib/api/problem";
import { Workspace } from "./Workspace";

// Blue at shade 8 keeps white text and links above 4.5:1 (WCAG AA).
// Transitions are skipped for people who ask the system for reduced motion.
const theme = createTheme({ primaryColor: "blue", primaryShade: 8, defaultRadius: "sm", respectReducedMotion: true });

// WCAG AA: Mantine's dimmed text, placeholders (gray.6) and errors (red.6) fall below 4.5:1 on white and on
// gray.0; gray.7 keeps secondary text readable.
const cssVariables: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    "--mantine-color-dimmed": "var(--mantine-color-gray-7)",
    "--mantine-color-placeholder": "var(--mantine-color-gray-7)",
    "--mantine-color-error": "var(--mantine-color-red-9)",
    // light and subtle buttons: blue.6 text on their tinted hover background is below 4.5:1
    "--mantine-color-blue-light-color": "var(--mantine-color-blue-9)",
    "--mantine-primary-color-light-color": "var(--mantine-color-blue-9)",
  },
  dark: {},
});

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        refetchOnWindowFocus: true,
        // Client errors will not change on a retry.
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      },
    },
  });
}

function Screens() {
  const { signedIn } = useAuth();
  return signedIn ? <Workspace /> : <SignIn />;
}

export function App() {
  const [queryClient] = useState(makeQueryClient);
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariables}>
      <QueryClientProvider client={queryClient}>
        <AuthProvider>
          <Screens />
        </AuthProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
