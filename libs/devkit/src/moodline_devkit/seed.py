"""Demo customers for `make run`: fictional people and businesses."""

DEMO_CUSTOMERS: list[dict] = [
    {
        "first_name": "Olivia",
        "last_name": "Martinez",
        "company": "",
        "phones": [{"number": "(415) 555-2671", "primary": True}],
        "emails": [{"address": "olivia.martinez@example.com", "primary": True}],
    },
    {
        "first_name": "Liam",
        "last_name": "Chen",
        "company": "Chen Dental",
        "phones": [{"number": "+1 212 555 0147", "primary": True}],
        "emails": [{"address": "liam@chendental.example", "primary": True}],
    },
    {
        "first_name": "Sophia",
        "last_name": "Okafor",
        "company": "",
        "phones": [{"number": "646-555-0199", "primary": True}],
        "emails": [],
    },
    {
        "first_name": "Noah",
        "last_name": "Schmidt",
        "company": "Schmidt Plumbing",
        "phones": [{"number": "+49 30 901820", "primary": True}],
        "emails": [{"address": "noah@schmidt-plumbing.example", "primary": True}],
    },
    {
        "first_name": "Emma",
        "last_name": "Rossi",
        "company": "Trattoria Rossi",
        "phones": [{"number": "+39 06 6982 1234", "primary": True}],
        "emails": [{"address": "emma@trattoriarossi.example", "primary": True}],
    },
    {
        "first_name": "James",
        "last_name": "O'Brien",
        "company": "",
        "phones": [{"number": "+44 20 7946 0958", "primary": True}],
        "emails": [{"address": "james.obrien@example.co.uk", "primary": True}],
    },
    {
        "first_name": "Ava",
        "last_name": "Johnson",
        "company": "Harbor View Hotel",
        "phones": [
            {"number": "(305) 555-0123", "primary": True},
            {"number": "(305) 555-0456", "primary": False},
        ],
        "emails": [{"address": "ava.johnson@harborview.example", "primary": True}],
    },
    {
        "first_name": "Mateo",
        "last_name": "Garcia",
        "company": "",
        "phones": [{"number": "+34 912 345 678", "primary": True}],
        "emails": [],
    },
    {
        "first_name": "Isabella",
        "last_name": "Nguyen",
        "company": "Glow Salon",
        "phones": [{"number": "(512) 555-0188", "primary": True}],
        "emails": [{"address": "isabella@glowsalon.example", "primary": True}],
    },
    {
        "first_name": "Ethan",
        "last_name": "Williams",
        "company": "",
        "phones": [],
        "emails": [{"address": "ethan.w@example.net", "primary": True}],
    },
]
