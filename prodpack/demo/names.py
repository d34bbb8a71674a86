"""What the staff pool draws people's names and numbers from."""

# fmt: off
FORENAMES = ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Sophia", "Grace", "Lily", "Freya", "Emily",
             "Ivy", "Ella", "Rosie", "Evie", "Florence", "Poppy", "Charlotte", "Willow", "Daisy",
             "Sienna", "Oliver", "George", "Noah", "Arthur", "Harry", "Leo", "Muhammad", "Jack",
             "Charlie", "Oscar", "Jacob", "Henry", "Thomas", "Freddie", "Alfie", "Theo", "William",
             "Archie", "Joshua", "Priya", "Aisha", "Fatima", "Zainab", "Chidi", "Kwame", "Tomasz",
             "Agnieszka", "Mateusz", "Siobhan", "Ciaran", "Niamh", "Rhys", "Cerys", "Dylan",
             "Megan", "Anjali", "Rohan", "Wei", "Mei", "Zoë"]
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
            "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
            "Hall", "Thomas", "Clarke", "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin",
            "Cooper", "Hill", "Ward", "Hughes", "Moore", "Clark", "King", "Harrison", "Lewis",
            "Baker", "Lee", "Allen", "Morris", "Khan", "Scott", "Watson", "Davis", "Parker",
            "James", "Bennett", "Young", "Phillips", "Richardson", "Mitchell", "Bailey", "Carter",
            "Cook", "Singh", "Shaw", "Bell", "Collins", "Morgan", "Kelly", "Begum", "Miller", "Cox",
            "Hussain", "Marshall", "Simpson", "Price", "Anderson", "Adams", "Wilkinson", "Ali",
            "Ahmed", "Foster", "Ellis", "Murphy", "Chapman", "Mason", "Gray", "Richards", "Webb",
            "Griffiths", "Okafor", "Nowak", "O'Brien", "Nguyen", "Mensah", "Owusu", "Chen", "Kaur",
            "Sharma"]
NI_PREFIXES = ["AB", "CE", "GH", "JL", "KM", "NP", "RS", "TW", "WX", "YZ", "HB", "PE"]
# fmt: on
